"""Test and benchmark support: driving the studio in a browser, a load generator for SPARQL
endpoints. Not part of the installed package."""
