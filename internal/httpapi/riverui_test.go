package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store/storetest"
)

// getBasic fetches path with HTTP Basic credentials (none when password
// is empty), outside the contract's validator: the River UI is River's.
func (e *env) getBasic(path, password string) (int, http.Header, string) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if password != "" {
		req.SetBasicAuth("operator", password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// River's UI is served at /admin/river/ behind HTTP Basic with the admin
// password, on SQLite and on Postgres, and its API lists kira's jobs.
func TestRiverUIBehindAdminPassword(t *testing.T) {
	t.Parallel()
	withPassword := func(c *config.Config) { c.AdminPassword = testAdminPassword }
	forEachStoreWith(t, withPassword, func(t *testing.T, e *env) {
		for _, pw := range []string{"", "wrong", testAdminPassword + "x"} {
			status, h, body := e.getBasic("/admin/river/", pw)
			if status != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic ") || strings.Contains(body, "<html") {
				t.Fatalf("password %q: %d %q %.100s", pw, status, h.Get("WWW-Authenticate"), body)
			}
		}
		if status, _, _ := e.getBasic("/admin/river/?password="+testAdminPassword, ""); status != 401 {
			t.Fatalf("the ?password= scheme opens the River UI: %d", status)
		}
		status, _, body := e.getBasic("/admin/river/", testAdminPassword)
		if status != 200 || !strings.Contains(body, "<html") || !strings.Contains(body, "/admin/river") {
			t.Fatalf("index: %d %.300s", status, body)
		}
		// The periodic slot reaper runs on start, so a completed job exists.
		deadline := time.Now().Add(20 * time.Second)
		for {
			status, _, body = e.getBasic("/admin/river/api/jobs?state=completed&limit=20", testAdminPassword)
			var list struct {
				Data []struct {
					Kind  string `json:"kind"`
					State string `json:"state"`
				} `json:"data"`
			}
			if status != 200 || json.Unmarshal([]byte(body), &list) != nil {
				t.Fatalf("jobs: %d %.300s", status, body)
			}
			if len(list.Data) > 0 && list.Data[0].Kind != "" && list.Data[0].State == "completed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no completed job listed: %.300s", body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func TestRiverUIIsOffWithoutAdminPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t))
	for _, pw := range []string{"", "anything"} {
		if status, _, _ := e.getBasic("/admin/river/", pw); status != 404 {
			t.Fatalf("no ADMIN_PASSWORD, password %q: status %d, want 404", pw, status)
		}
	}
}
