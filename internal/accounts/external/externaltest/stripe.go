package externaltest

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Stripe fakes Stripe's customers API (list by email, search by metadata,
// delete) as stripe-go calls it: form-encoded queries, Bearer secret key,
// list and search_result envelopes, and error bodies
// {"error":{"type","code","message"}} that the SDK turns into *stripe.Error.
type Stripe struct {
	fake
	URL       string
	key       string
	customers map[string]*stripeCustomer
	order     []string
	deleted   []string
}

type stripeCustomer struct {
	ID       string            `json:"id"`
	Object   string            `json:"object"`
	Email    string            `json:"email,omitempty"`
	Metadata map[string]string `json:"metadata"`
	Created  int64             `json:"created"`
	Livemode bool              `json:"livemode"`
	deleted  bool
}

// NewStripe starts the server; it accepts only the secret key.
func NewStripe(t testing.TB, key string) *Stripe {
	s := &Stripe{key: key, customers: map[string]*stripeCustomer{}}
	s.URL = serve(t, s.handle).URL
	return s
}

// AddCustomer stores a customer.
func (s *Stripe) AddCustomer(id, email string, metadata map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if metadata == nil {
		metadata = map[string]string{}
	}
	s.customers[id] = &stripeCustomer{ID: id, Object: "customer", Email: email, Metadata: metadata, Created: time.Now().Unix()}
	s.order = append(s.order, id)
}

// Deleted are the ids deleted so far, in order.
func (s *Stripe) Deleted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.deleted...)
}

func (s *Stripe) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Request-Id", fmt.Sprintf("req_%d", len(s.calls)+1))
	if st := s.begin(r); st != 0 {
		stripeErr(w, st, "api_error", "", "An unknown error occurred")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		stripeErr(w, http.StatusUnauthorized, "invalid_request_error", "", "Invalid API Key provided: sk_****")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/customers":
		s.list(w, r.URL.Query().Get("email"))
	case r.Method == http.MethodGet && r.URL.Path == "/v1/customers/search":
		s.search(w, r.URL.Query().Get("query"))
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v1/customers/"):
		s.delete(w, strings.TrimPrefix(r.URL.Path, "/v1/customers/"))
	default:
		stripeErr(w, http.StatusNotFound, "invalid_request_error", "", "Unrecognized request URL ("+r.Method+": "+r.URL.Path+")")
	}
}

func (s *Stripe) list(w http.ResponseWriter, email string) {
	data := s.match(func(c *stripeCustomer) bool { return email == "" || c.Email == email })
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "url": "/v1/customers", "has_more": false, "data": data})
}

// searchClause is the one query form the fake understands:
// metadata['key']:'value' (value with \' and \\ escapes).
var searchClause = regexp.MustCompile(`^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$`)

func (s *Stripe) search(w http.ResponseWriter, q string) {
	m := searchClause.FindStringSubmatch(q)
	if m == nil {
		stripeErr(w, http.StatusBadRequest, "invalid_request_error", "parameter_invalid_string", "Invalid search query: "+q)
		return
	}
	key, val := m[1], regexp.MustCompile(`\\(.)`).ReplaceAllString(m[2], "$1")
	data := s.match(func(c *stripeCustomer) bool { return c.Metadata[key] == val })
	writeJSON(w, http.StatusOK, map[string]any{"object": "search_result", "url": "/v1/customers/search",
		"has_more": false, "next_page": nil, "data": data})
}

func (s *Stripe) delete(w http.ResponseWriter, id string) {
	c := s.customers[id]
	if c == nil || c.deleted {
		stripeErr(w, http.StatusNotFound, "invalid_request_error", "resource_missing", "No such customer: '"+id+"'")
		return
	}
	c.deleted = true
	s.deleted = append(s.deleted, id)
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "object": "customer", "deleted": true})
}

// match lists the live customers that pass keep, newest first as Stripe
// does.
func (s *Stripe) match(keep func(*stripeCustomer) bool) []*stripeCustomer {
	out := []*stripeCustomer{}
	for i := len(s.order) - 1; i >= 0; i-- {
		if c := s.customers[s.order[i]]; !c.deleted && keep(c) {
			out = append(out, c)
		}
	}
	return out
}

func stripeErr(w http.ResponseWriter, status int, typ, code, msg string) {
	e := map[string]any{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
		e["doc_url"] = "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(code, "_", "-")
	}
	writeJSON(w, status, map[string]any{"error": e})
}
