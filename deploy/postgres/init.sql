-- One database and one role per service: no service can read another's tables.
-- Passwords here are for the local demo only; production takes them from its secret store.
CREATE ROLE placements LOGIN PASSWORD 'placements';
CREATE ROLE certificates LOGIN PASSWORD 'certificates';
CREATE ROLE reporting LOGIN PASSWORD 'reporting';
CREATE DATABASE placements OWNER placements;
CREATE DATABASE certificates OWNER certificates;
CREATE DATABASE reporting OWNER reporting;
