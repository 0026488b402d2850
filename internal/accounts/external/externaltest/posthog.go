package externaltest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// PostHog fakes PostHog's private persons API of one project: GET
// /api/projects/{id}/persons/?distinct_id= (a paginated
// {"next","previous","results"} page) and DELETE
// /api/projects/{id}/persons/{uuid}/ (202, or 404 with DRF's error body),
// behind a personal API key sent as a Bearer token.
type PostHog struct {
	fake
	URL     string
	project string
	key     string
	persons []postHogPerson
	deleted []string
}

type postHogPerson struct {
	ID          string         `json:"id"`
	UUID        string         `json:"uuid"`
	Name        string         `json:"name"`
	DistinctIDs []string       `json:"distinct_ids"`
	Properties  map[string]any `json:"properties"`
	CreatedAt   string         `json:"created_at"`
	deleted     bool
}

// NewPostHog starts the server for project with the personal key.
func NewPostHog(t testing.TB, project, key string) *PostHog {
	p := &PostHog{project: project, key: key}
	p.URL = serve(t, p.handle).URL
	return p
}

// AddPerson stores a person with its distinct ids.
func (p *PostHog) AddPerson(uuid string, distinctIDs ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.persons = append(p.persons, postHogPerson{ID: uuid, UUID: uuid, Name: distinctIDs[0], DistinctIDs: distinctIDs,
		Properties: map[string]any{}, CreatedAt: time.Now().UTC().Format(time.RFC3339Nano)})
}

// Deleted are the uuids deleted so far (each with delete_events=true).
func (p *PostHog) Deleted() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.deleted...)
}

func (p *PostHog) handle(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.begin(r); st != 0 {
		drfErr(w, st, "server_error", "error", "A server error occurred.")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+p.key {
		drfErr(w, http.StatusUnauthorized, "authentication_error", "authentication_failed", "Personal API key found in request Authorization header is invalid.")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/projects/"+p.project+"/persons/")
	switch {
	case !ok:
		drfErr(w, http.StatusNotFound, "invalid_request", "not_found", "Not found.")
	case r.Method == http.MethodGet && rest == "":
		p.list(w, r.URL.Query().Get("distinct_id"))
	case r.Method == http.MethodDelete && strings.HasSuffix(rest, "/") && !strings.Contains(strings.TrimSuffix(rest, "/"), "/"):
		p.delete(w, strings.TrimSuffix(rest, "/"), r.URL.Query().Get("delete_events") == "true")
	default:
		drfErr(w, http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed", "Method \""+r.Method+"\" not allowed.")
	}
}

func (p *PostHog) list(w http.ResponseWriter, distinctID string) {
	res := []postHogPerson{}
	for _, ps := range p.persons {
		if !ps.deleted && (distinctID == "" || slices.Contains(ps.DistinctIDs, distinctID)) {
			res = append(res, ps)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"next": nil, "previous": nil, "results": res})
}

func (p *PostHog) delete(w http.ResponseWriter, uuid string, withEvents bool) {
	for i := range p.persons {
		if ps := &p.persons[i]; ps.UUID == uuid && !ps.deleted {
			ps.deleted = true
			if withEvents {
				p.deleted = append(p.deleted, uuid)
			} else {
				p.deleted = append(p.deleted, uuid+" (events kept)")
			}
			w.WriteHeader(http.StatusAccepted)
			return
		}
	}
	drfErr(w, http.StatusNotFound, "invalid_request", "not_found", "Not found.")
}

// drfErr writes PostHog's (Django REST framework's) error body.
func drfErr(w http.ResponseWriter, status int, typ, code, detail string) {
	writeJSON(w, status, map[string]any{"type": typ, "code": code, "detail": detail, "attr": nil})
}
