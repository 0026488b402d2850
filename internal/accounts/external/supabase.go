package external

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/kira-art/kira/internal/jobs/jobargs"
)

// Supabase deletes the user from Supabase Auth through its admin API
// (GoTrue's DELETE /admin/users/{id}), authorized by the service role key.
type Supabase struct {
	base string // <SUPABASE_URL>/auth/v1/admin/users/
	key  string
	hc   *http.Client
}

// NewSupabase makes the cleaner for the project at supabaseURL.
func NewSupabase(supabaseURL, serviceRoleKey string, hc *http.Client) *Supabase {
	return &Supabase{base: strings.TrimRight(supabaseURL, "/") + "/auth/v1/admin/users/", key: serviceRoleKey, hc: hc}
}

// Cleanup hard-deletes the auth user (no soft delete: the account is
// gone for good). A user that is not there (404) is success.
func (s *Supabase) Cleanup(ctx context.Context, a jobargs.ExternalCleanup) error {
	if a.UserID == "" {
		return ErrNoUser
	}
	req, err := http.NewRequest(http.MethodDelete, s.base+url.PathEscape(a.UserID), nil)
	if err != nil {
		return err
	}
	req.Header.Set("apikey", s.key)
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Accept", "application/json")
	status, body, err := send(ctx, s.hc, jobargs.ServiceSupabase, req)
	if err != nil {
		return err
	}
	if ok(status) || status == http.StatusNotFound {
		return nil
	}
	return failure(jobargs.ServiceSupabase, status, body)
}
