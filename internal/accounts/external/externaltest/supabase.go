package externaltest

import (
	"net/http"
	"strings"
	"testing"
)

// Supabase fakes Supabase Auth's admin delete, DELETE
// /auth/v1/admin/users/{id}: the API gateway wants the key in the apikey
// header (401 {"message"} otherwise), GoTrue wants a service_role Bearer
// token (403 not_admin otherwise), and answers 200 {} or 404
// user_not_found.
type Supabase struct {
	fake
	URL     string
	key     string
	users   map[string]bool
	deleted []string
}

// NewSupabase starts the server; key is the service role key.
func NewSupabase(t testing.TB, key string) *Supabase {
	s := &Supabase{key: key, users: map[string]bool{}}
	s.URL = serve(t, s.handle).URL
	return s
}

// AddUser stores an auth user.
func (s *Supabase) AddUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = true
}

// Deleted are the user ids deleted so far.
func (s *Supabase) Deleted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.deleted...)
}

func (s *Supabase) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.begin(r); st != 0 {
		writeJSON(w, st, map[string]any{"message": "An invalid response was received from the upstream server"})
		return
	}
	if r.Header.Get("apikey") != s.key {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Invalid API key",
			"hint": "Double check your Supabase `anon` or `service_role` API key."})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		writeJSON(w, http.StatusForbidden, map[string]any{"code": 403, "error_code": "not_admin", "msg": "User not allowed"})
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/auth/v1/admin/users/")
	if !ok || r.Method != http.MethodDelete || id == "" || strings.Contains(id, "/") {
		writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "error_code": "not_found", "msg": "Not found"})
		return
	}
	if !s.users[id] {
		writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "error_code": "user_not_found", "msg": "User not found"})
		return
	}
	delete(s.users, id)
	s.deleted = append(s.deleted, id)
	writeJSON(w, http.StatusOK, map[string]any{})
}
