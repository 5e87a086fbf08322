"""The portal's pages by audience: ``applicant`` (/applications/), ``committee`` (/committee/), and ``common``."""
