package middleware

import (
	"encoding/json"
	"net/http"
)

// writeMessage writes the API's error body shape {"message": msg}, so that
// errors produced by middleware look the same to clients as handler errors.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg}) // cannot fail for a string field
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // the client went away; nothing left to tell it
}
