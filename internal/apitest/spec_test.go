package apitest

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// extraOperations are operations in api/openapi.yaml that API.md's endpoint
// tables do not list (it mentions them in prose): the development JWKS (§1)
// the external-realtime token endpoint (STREAMING.md §6) and the signed
// file URLs of the local blob backend (API.md §2: "signed URL"), and the
// operator's featuring routes (ours: nothing in API.md can feature a post)
// and the daily mail's unsubscribe link (§3.9 says the mail honours
// isOpenNotification; the link is ours).
var extraOperations = map[string]bool{
	"PUT /feed/{id}/featured":                     true,
	"DELETE /feed/{id}/featured":                  true,
	"GET /.well-known/jwks.json":                  true,
	"GET /realtime/token":                         true,
	"GET /files/{area}/{ownerId}/{fileId}/{name}": true,
	"GET /mail/unsubscribe":                       true,
	"POST /mail/unsubscribe":                      true,
	"POST /dev/token":                             true, // the playground's development routes (ours)
	"PUT /dev/plan":                               true,
	"POST /dev/credits":                           true,
}

// apiMarkdownPath finds ../shared/spec/API.md beside the repository root (the
// directory holding go.mod), where it lives both locally and in CI.
func apiMarkdownPath(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "spec", "API.md")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
}

var (
	// tableRoute matches an endpoint table row: | GET | `/thread/:threadId` | …
	tableRoute = regexp.MustCompile("^\\|\\s*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\\s*\\|\\s*`(/[^`]*)`\\s*\\|")
	colonParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)
)

// markdownOperations returns "METHOD /path" for every endpoint table row of
// API.md, with :param written as {param}. Trailing slashes are kept as written
// (the spec lists `/thread/` as `/thread/`; the server also answers `/thread`).
func markdownOperations(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("API.md not found at %s; skipping the route coverage check", path)
		}
		t.Fatal(err)
	}
	defer f.Close()
	var ops []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := tableRoute.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		ops = append(ops, m[1]+" "+colonParam.ReplaceAllString(m[2], "{$1}"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ops
}

// specOperations returns every operation of the spec keyed "METHOD /path".
func specOperations(t *testing.T) map[string]*v3.Operation {
	t.Helper()
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]*v3.Operation{}
	for p := c.model.Paths.PathItems.First(); p != nil; p = p.Next() {
		for o := p.Value().GetOperations().First(); o != nil; o = o.Next() {
			ops[strings.ToUpper(o.Key())+" "+p.Key()] = o.Value()
		}
	}
	return ops
}

func TestEveryAPIMarkdownRouteIsInSpec(t *testing.T) {
	md := markdownOperations(t, apiMarkdownPath(t))
	if len(md) < 60 {
		t.Fatalf("parsed only %d routes from API.md; has the table format changed?", len(md))
	}
	spec := specOperations(t)
	listed := map[string]bool{}
	for _, op := range md {
		listed[op] = true
		if spec[op] == nil {
			t.Errorf("API.md route %q is missing from api/openapi.yaml", op)
		}
	}
	var extra []string
	for op := range spec {
		if !listed[op] && !extraOperations[op] {
			extra = append(extra, op)
		}
	}
	sort.Strings(extra)
	for _, op := range extra {
		t.Errorf("api/openapi.yaml operation %q is not in API.md (add it there or to extraOperations)", op)
	}
	t.Logf("%d API.md routes, %d spec operations", len(md), len(spec))
}

// authOf classifies an operation's effective security: "jwt" (bearer
// required), "opt" (bearer optional), "pw" (admin password) or "none".
func authOf(global, op []*base.SecurityRequirement) string {
	reqs := op
	if reqs == nil {
		reqs = global
	}
	names, optional := map[string]bool{}, false
	for _, r := range reqs {
		if r.ContainsEmptyRequirement || r.Requirements == nil || r.Requirements.Len() == 0 {
			optional = true
			continue
		}
		for n := r.Requirements.First(); n != nil; n = n.Next() {
			names[n.Key()] = true
		}
	}
	switch {
	case names["adminPassword"]:
		return "pw"
	case names["bearerAuth"] && optional:
		return "opt"
	case names["bearerAuth"]:
		return "jwt"
	default:
		return "none"
	}
}

// TestSpecConventions keeps the spec consistent with API.md §0: 401 exactly on
// authenticated routes, 400/413 on JSON bodies, 500 everywhere, JSON Error
// bodies for every error status, unique operation ids.
func TestSpecConventions(t *testing.T) {
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for key, op := range specOperations(t) {
		if op.OperationId == "" {
			t.Errorf("%s: no operationId", key)
		} else if prev, dup := ids[op.OperationId]; dup {
			t.Errorf("%s: operationId %q also used by %s", key, op.OperationId, prev)
		}
		ids[op.OperationId] = key

		codes := map[string]*v3.Response{}
		for r := op.Responses.Codes.First(); r != nil; r = r.Next() {
			codes[r.Key()] = r.Value()
		}
		if op.Responses.Default != nil {
			t.Errorf("%s: a default response would hide undocumented statuses", key)
		}
		success := false
		for code := range codes {
			if code[0] == '2' || code == "101" {
				success = true
			}
		}
		if !success {
			t.Errorf("%s: no success response", key)
		}
		if codes["500"] == nil {
			t.Errorf("%s: 500 not documented", key)
		}
		switch auth := authOf(c.model.Security, op.Security); auth {
		case "jwt", "pw":
			if codes["401"] == nil {
				t.Errorf("%s (%s): 401 not documented", key, auth)
			}
		default:
			if codes["401"] != nil {
				t.Errorf("%s (%s auth): documents 401, which it never answers", key, auth)
			}
		}
		if op.RequestBody != nil && op.RequestBody.Content != nil {
			if _, ok := op.RequestBody.Content.Get("application/json"); ok {
				for _, code := range []string{"400", "413"} {
					if codes[code] == nil {
						t.Errorf("%s: JSON body but %s not documented", key, code)
					}
				}
			}
		}
		for code, resp := range codes {
			if code[0] != '4' && code[0] != '5' {
				continue
			}
			if key == "GET /ready" && code == "503" {
				continue // a Readiness body naming the failing check
			}
			mt, ok := resp.Content.Get("application/json")
			if !ok || mt.Schema == nil {
				t.Errorf("%s: %s is not an application/json Error", key, code)
				continue
			}
			if s := mt.Schema.Schema(); s == nil || s.Properties == nil {
				if s == nil || len(s.AllOf) == 0 {
					t.Errorf("%s: %s schema is not an Error object", key, code)
				}
			} else if _, ok := s.Properties.Get("message"); !ok {
				t.Errorf("%s: %s schema has no message", key, code)
			}
		}
	}
}

func TestMarkdownOperationsParser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "API.md")
	md := "| Method | Path | Auth | Behaviour |\n|---|---|---|---|\n" +
		"| POST | `/thread/` | JWT | create |\n" +
		"| GET | `/agent/rewind/:threadId/:messageId` | JWT | `{ messages }` |\n" +
		"| plan | monthly credits |\n" +
		"Not a table: GET `/nope`\n"
	if err := os.WriteFile(path, []byte(md), 0o600); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(markdownOperations(t, path), ",")
	want := "POST /thread/,GET /agent/rewind/{threadId}/{messageId}"
	if got != want {
		t.Fatalf("parsed %q, want %q", got, want)
	}
}

// TestEverySchemaCompiles compiles every schema of the spec (components,
// parameters, headers, request and response bodies) the way the validator
// does, so a schema the JSON Schema compiler rejects (e.g. a regex RE2 cannot
// handle) fails here rather than on the first request that reaches it.
func TestEverySchemaCompiles(t *testing.T) {
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	opts := config.NewValidationOptions(commonOptions()...)
	compile := func(where string, sp *base.SchemaProxy, purpose schema_validation.SchemaValidationPurpose) {
		t.Helper()
		if sp == nil {
			return
		}
		s := sp.Schema()
		if s == nil {
			t.Errorf("%s: schema does not resolve: %v", where, sp.GetBuildError())
			return
		}
		if _, err := schema_validation.CompileSchemaForValidation(s, purpose, opts, 3.1); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	generic := schema_validation.SchemaValidationPurposeGeneric
	n := 0
	for p := c.model.Components.Schemas.First(); p != nil; p = p.Next() {
		compile("components.schemas."+p.Key(), p.Value(), generic)
		n++
	}
	for key, op := range specOperations(t) {
		for _, prm := range op.Parameters {
			compile(key+" parameter "+prm.Name, prm.Schema, generic)
			n++
		}
		if op.RequestBody != nil {
			for m := op.RequestBody.Content.First(); m != nil; m = m.Next() {
				compile(key+" request "+m.Key(), m.Value().Schema, schema_validation.SchemaValidationPurposeRequestBody)
				n++
			}
		}
		for r := op.Responses.Codes.First(); r != nil; r = r.Next() {
			for m := r.Value().Content.First(); m != nil; m = m.Next() {
				compile(key+" "+r.Key()+" "+m.Key(), m.Value().Schema, schema_validation.SchemaValidationPurposeResponseBody)
				n++
			}
			for h := r.Value().Headers.First(); h != nil; h = h.Next() {
				compile(key+" "+r.Key()+" header "+h.Key(), h.Value().Schema, generic)
				n++
			}
		}
	}
	t.Logf("compiled %d schemas", n)
}
