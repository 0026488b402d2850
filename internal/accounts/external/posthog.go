package external

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// PostHog deletes the user's person (and its events) through PostHog's
// private API: the person is found by distinct id (kira identifies users
// by their user id), then deleted by its uuid.
type PostHog struct {
	base    string // https://<host>/api/projects/<id>/persons/
	key     string
	hc      *http.Client
	service string
}

// NewPostHog makes the cleaner. host is POSTHOG_HOST; the ingestion hosts
// of PostHog Cloud (us.i.posthog.com, eu.i.posthog.com) do not serve the
// private API, so they are mapped to the app hosts (us.posthog.com, …).
// key is a personal API key with the person:read and person:write scopes.
func NewPostHog(host, projectID, key string, hc *http.Client) *PostHog {
	return &PostHog{base: privateHost(host) + "/api/projects/" + url.PathEscape(projectID) + "/persons/",
		key: key, hc: hc, service: jobargs.ServicePostHog}
}

// privateHost maps a PostHog Cloud ingestion host to its API host.
func privateHost(host string) string {
	host = strings.TrimRight(host, "/")
	u, err := url.Parse(host)
	if err != nil {
		return host
	}
	if region, ok := strings.CutSuffix(u.Host, ".i.posthog.com"); ok {
		u.Host = region + ".posthog.com"
	}
	return u.String()
}

// person is the part of PostHog's person object the cleanup reads. Newer
// PostHog sends the uuid as both "id" and "uuid"; older sent a numeric id
// beside the uuid.
type person struct {
	UUID        string          `json:"uuid"`
	ID          json.RawMessage `json:"id"`
	DistinctIDs []string        `json:"distinct_ids"`
}

// key is the uuid the delete endpoint takes.
func (ps person) key() string {
	var id string
	if ps.UUID == "" && json.Unmarshal(ps.ID, &id) == nil {
		return id
	}
	return ps.UUID
}

// Cleanup deletes every person the user's id belongs to, with its events
// (delete_events=true queues them). No person is success.
func (p *PostHog) Cleanup(ctx context.Context, a jobargs.ExternalCleanup) error {
	if a.UserID == "" {
		return ErrNoUser
	}
	people, err := p.find(ctx, a.UserID)
	if err != nil {
		return err
	}
	for _, ps := range people {
		if err := p.delete(ctx, ps.key()); err != nil {
			return err
		}
	}
	return nil
}

// find lists the persons with the distinct id (one, or none). Only a
// person whose distinct_ids hold it is returned: a server that ignored the
// filter must not make the cleanup delete someone else.
func (p *PostHog) find(ctx context.Context, distinctID string) ([]person, error) {
	req, err := http.NewRequest(http.MethodGet, p.base+"?"+url.Values{"distinct_id": {distinctID}}.Encode(), nil)
	if err != nil {
		return nil, err
	}
	status, body, err := send(ctx, p.hc, p.service, p.auth(req))
	if err != nil {
		return nil, err
	}
	if !ok(status) { // 404 here is a wrong project id, not "no person"
		return nil, failure(p.service, status, body)
	}
	var page struct {
		Results []person `json:"results"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, &Error{Service: p.service, Status: status, Detail: "unreadable person list: " + err.Error()}
	}
	out := page.Results[:0]
	for _, ps := range page.Results {
		if ps.key() != "" && slices.Contains(ps.DistinctIDs, distinctID) {
			out = append(out, ps)
		}
	}
	return out, nil
}

// delete removes one person by uuid; 404 means it is gone already.
func (p *PostHog) delete(ctx context.Context, uuid string) error {
	req, err := http.NewRequest(http.MethodDelete, p.base+url.PathEscape(uuid)+"/?delete_events=true", nil)
	if err != nil {
		return err
	}
	status, body, err := send(ctx, p.hc, p.service, p.auth(req))
	if err != nil {
		return err
	}
	if ok(status) || status == http.StatusNotFound {
		return nil
	}
	return failure(p.service, status, body)
}

func (p *PostHog) auth(req *http.Request) *http.Request {
	req.Header.Set("Authorization", "Bearer "+p.key)
	req.Header.Set("Accept", "application/json")
	return req
}
