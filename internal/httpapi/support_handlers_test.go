package httpapi_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

func (e *env) tokenFor(id, email string) string {
	e.t.Helper()
	tok, err := e.key.Mint(id, email, time.Hour, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func TestSupportHash(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, func(c *config.Config) { c.FrontChatKey = "front-chat-test-secret" })
		const id = "6f1c2d3e-1111-4222-8333-444455556666"
		// Reference value computed independently:
		// python3 -c "import hmac,hashlib;print(hmac.new(b'front-chat-test-secret', b'6f1c…6666', hashlib.sha256).hexdigest())"
		const want = "57eefc9331cfe875c5b772d0f3c24f608e0ec386c049abc818fa23efc4cb09a9"
		var body struct{ Email, UserHash string }
		expect(t, e.do("GET", "/support/hash", e.tokenFor(id, "neo@example.com"), nil), 200).json(t, &body)
		if body.Email != "neo@example.com" || body.UserHash != want {
			t.Fatalf("support hash %+v", body)
		}
		// A later token without the email claim falls back to the stored one.
		expect(t, e.do("GET", "/support/hash", e.tokenFor(id, ""), nil), 200).json(t, &body)
		if body.Email != "neo@example.com" || body.UserHash != want {
			t.Fatalf("without email claim %+v", body)
		}
		// A user who never had an email cannot be identified.
		expect(t, e.do("GET", "/support/hash", e.tokenFor(uuid.NewString(), ""), nil), 500)
		expectError(t, e.do("GET", "/support/hash", "", nil), 401, "Unauthorized")
	})
}

func TestSupportHashWithoutSecretIs500(t *testing.T) {
	t.Parallel()
	e := newCMSEnv(t)
	u := e.newUser()
	var body map[string]any
	expect(t, e.do("GET", "/support/hash", u.Token, nil), 500).json(t, &body)
	if _, leaked := body["userHash"]; leaked || body["message"] == "" {
		t.Fatalf("body %v", body)
	}
}
