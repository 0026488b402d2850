package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kira-art/kira/internal/apperr"
)

// FuzzDecodeDeletionRequest: any body either decodes to a non-blank,
// trimmed reason and a text within the limits, or is a 400.
func FuzzDecodeDeletionRequest(f *testing.F) {
	for _, s := range []string{`{"reason":"privacy"}`, `{"reason":"x","reasonText":"why"}`, `{"reason":" "}`, `{}`,
		`{"reason":1}`, `{"reason":"a","reasonText":null}`, `[]`, `{"reason":"\u0000"}`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/support/delete-account", strings.NewReader(body))
		reason, text, err := decodeDeletionRequest(r)
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid {
				t.Fatalf("body %q: error %v is not a 400", body, err)
			}
			return
		}
		if reason == "" || reason != strings.TrimSpace(reason) || utf8.RuneCountInString(reason) > maxDeletionReason ||
			utf8.RuneCountInString(text) > maxDeletionReasonText {
			t.Fatalf("body %q accepted as %q / %q", body, reason, text)
		}
	})
}
