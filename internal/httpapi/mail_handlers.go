package httpapi

import (
	"html/template"
	"net/http"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/view"
)

// mailHandlers serves /mail: the operator's sends (password) and the
// unsubscribe link of the daily mail (its signed token is the auth).
type mailHandlers struct{ s *Server }

var errNoMail = apperr.New(apperr.Unavailable, "Mail is not configured")

// daily answers POST /mail/daily: the sweep the schedule also runs, now.
// sent counts the mails queued; they go out within moments.
func (h mailHandlers) daily(w http.ResponseWriter, r *http.Request) {
	if h.s.Notify == nil {
		h.s.writeError(w, r, errNoMail)
		return
	}
	n, err := h.s.Notify.DailySweep(r.Context())
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.MailSent{Message: "ok", Sent: n})
}

// deletionMailBody is POST /mail/account-deletion.
type deletionMailBody struct {
	UserID string `json:"userId"`
	Stage  string `json:"stage"`
}

// accountDeletion answers POST /mail/account-deletion: queues one
// deletion mail for a user by hand.
func (h mailHandlers) accountDeletion(w http.ResponseWriter, r *http.Request) {
	var b deletionMailBody
	if err := decodeJSON(r, &b); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	id, err := parseUUID("userId", b.UserID)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	if h.s.Notify == nil {
		h.s.writeError(w, r, errNoMail)
		return
	}
	if err := h.s.Notify.QueueDeletionMail(r.Context(), id, b.Stage); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

// unsubscribePage is what the link opens: GET never unsubscribes (mail
// scanners follow links), it shows a button that POSTs the same URL.
var unsubscribePage = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Kira reminders</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
{{if .Done}}<h1>You're unsubscribed</h1><p>Kira won't send you daily reminders any more. You can turn them back on in your settings.</p>
{{else}}<h1>Turn off daily reminders?</h1><p>Kira will stop mailing you when your free credits are ready.</p>
<form method="post"><button type="submit">Turn off reminders</button></form>{{end}}
</body></html>
`))

// unsubscribeForm answers GET /mail/unsubscribe?token=: 400 for a bad
// token, else the confirmation page.
func (h mailHandlers) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	if h.s.Notify == nil {
		h.s.writeError(w, r, errNoMail)
		return
	}
	if _, err := h.s.Notify.CheckUnsubscribe(r.URL.Query().Get("token")); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeHTML(w, false)
}

// unsubscribe answers POST /mail/unsubscribe?token=: the page's button and
// RFC 8058 one-click (List-Unsubscribe-Post) alike; the body is ignored.
func (h mailHandlers) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if h.s.Notify == nil {
		h.s.writeError(w, r, errNoMail)
		return
	}
	if err := h.s.Notify.Unsubscribe(r.Context(), r.URL.Query().Get("token")); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeHTML(w, true)
}

func writeHTML(w http.ResponseWriter, done bool) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = unsubscribePage.Execute(w, struct{ Done bool }{done})
}
