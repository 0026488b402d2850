// Package api holds the HTTP API contract of the Kira backend: the OpenAPI 3.1
// document describing every endpoint, embedded so the server can serve it at
// GET /openapi.yaml and tests can validate exchanges against it
// (see internal/apitest).
package api

import _ "embed"

// Spec is the OpenAPI 3.1 document (openapi.yaml) describing the HTTP API.
// Treat it as read-only.
//
//go:embed openapi.yaml
var Spec []byte
