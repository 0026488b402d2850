package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/auth"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store/storetest"
	"github.com/kira-art/kira/internal/view"
)

// devSignIn mints a development token through the route, as the
// playground does.
func (e *env) devSignIn(body map[string]any) view.DevToken {
	e.t.Helper()
	var tok view.DevToken
	expect(e.t, e.do("POST", "/dev/token", "", body), 200).json(e.t, &tok)
	return tok
}

func (e *env) profileOf(token string) view.Profile {
	e.t.Helper()
	var p view.Profile
	expect(e.t, e.do("GET", "/user/profile", token, nil), 200).json(e.t, &p)
	return p
}

func TestDevTokenSignsInChosenOrRandomUser(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		random := e.devSignIn(map[string]any{})
		if _, err := uuid.Parse(random.UserID); err != nil {
			t.Fatalf("random user id %q", random.UserID)
		}
		if p := e.profileOf(random.Token); p.ID != random.UserID {
			t.Fatalf("token signs in %s, want %s", p.ID, random.UserID)
		}
		chosen := uuid.NewString()
		tok := e.devSignIn(map[string]any{"userId": chosen, "email": "dev@example.com", "ttlSeconds": 60})
		if p := e.profileOf(tok.Token); p.ID != chosen || p.Email == nil || *p.Email != "dev@example.com" {
			t.Fatalf("chosen user: profile %+v", p)
		}
		for _, bad := range []map[string]any{{"userId": "not-a-uuid"}, {"userId": "{" + chosen + "}"},
			{"ttlSeconds": -1}, {"ttlSeconds": 8 * 24 * 3600}, {"userId": 42}} {
			expect(t, e.bad("POST", "/dev/token", "", bad), 400)
		}
		expect(t, e.bad("POST", "/dev/token", "", nil), 400) // a body is required: {} for a random user
	})
}

func TestDevPlanAndCreditsChangeOnlyTheCaller(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		a, b := e.newUser(), e.newUser()
		before := e.profileOf(b.Token)
		var p view.Profile
		// A body naming another user changes nothing but the caller.
		expect(t, e.do("PUT", "/dev/plan", a.Token, map[string]any{"plan": "pro", "userId": b.ID}), 200).json(t, &p)
		if p.ID != a.ID || p.Plan != "pro" {
			t.Fatalf("after plan switch: %+v", p)
		}
		expect(t, e.do("POST", "/dev/credits", a.Token, nil), 200).json(t, &p)
		expect(t, e.do("POST", "/dev/credits", a.Token, nil), 200).json(t, &p)
		if p.AddonCredits != before.AddonCredits+200 || p.Credit != before.Credit {
			t.Fatalf("after two grants: %+v (a fresh profile: %+v)", p, before)
		}
		if got := e.profileOf(a.Token); got.Plan != "pro" || got.AddonCredits != p.AddonCredits {
			t.Fatalf("GET /user/profile after the switches: %+v", got)
		}
		if after := e.profileOf(b.Token); !reflect.DeepEqual(after, before) {
			t.Fatalf("the other user's profile changed: %+v → %+v", before, after)
		}
		expect(t, e.do("PUT", "/dev/plan", a.Token, map[string]any{"plan": "free"}), 200).json(t, &p)
		if p.Plan != "free" {
			t.Fatalf("back to free: %+v", p)
		}
		expectError(t, e.bad("PUT", "/dev/plan", a.Token, map[string]any{"plan": "platinum"}), 400, "plan")
		expect(t, e.bad("PUT", "/dev/plan", a.Token, map[string]any{}), 400)
		expect(t, e.bad("PUT", "/dev/plan", "", map[string]any{"plan": "pro"}), 401)
		expect(t, e.bad("POST", "/dev/credits", "", nil), 401)
	})
}

// The development routes exist only in development mode without a JWKS
// URL; anywhere else they are the unknown-path 404, signed in or not.
func TestDevRoutesAreOffInProductionAndWithJWKS(t *testing.T) {
	t.Parallel()
	other, err := auth.LoadOrCreateDevKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(other.JWKSJSON()) //nolint:errcheck
	}))
	t.Cleanup(jwks.Close)
	for name, mutate := range map[string]func(*config.Config){
		"production": func(c *config.Config) {
			c.Env, c.JWTSecret = config.EnvProduction, "a-legacy-hs256-secret-of-32-bytes!"
		},
		"jwks url": func(c *config.Config) { c.JWKSURL = jwks.URL },
		"production with jwks url": func(c *config.Config) {
			c.Env, c.JWKSURL = config.EnvProduction, jwks.URL
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, storetest.OpenSQLite(t), mutate)
			tok, err := other.Mint(uuid.NewString(), "", 0x7fffffff, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, token := range []string{"", tok} {
				expect(t, e.bad("POST", "/dev/token", token, map[string]any{}), 404)
				expect(t, e.bad("PUT", "/dev/plan", token, map[string]any{"plan": "pro"}), 404)
				expect(t, e.bad("POST", "/dev/credits", token, nil), 404)
			}
		})
	}
}
