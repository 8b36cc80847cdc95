"""The issuer's key and the Data Integrity proof (``eddsa-jcs-2022``): cryptography lives here,
outside the domain, behind the service's :class:`~certificates.service.ports.Signer` port."""
