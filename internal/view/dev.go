package view

// DevToken is the answer of POST /dev/token (development only): a token
// the server's own key signed, for the user it names.
type DevToken struct {
	Token     string `json:"token"`
	UserID    string `json:"userId"`
	ExpiresAt string `json:"expiresAt"`
}
