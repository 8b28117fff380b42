// Package sariftest checks SARIF logs against the official SARIF 2.1.0
// JSON schema (sarif-schema-2.1.0.json, errata 01, as published by OASIS
// and kept in github.com/oasis-tcs/sarif-spec, sarif-2.1/schema; README.md
// says where it was copied from, and carries OASIS's notice). It is for
// tests only.
package sariftest
