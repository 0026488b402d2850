package auth

import "net/http"

// JWKSHandler serves k's public JWK set (for GET /.well-known/jwks.json in
// development). The short max-age lets clients cache it while a replaced dev
// key still shows up quickly. k must not be nil.
func JWKSHandler(k *DevKey) http.Handler {
	body := k.JWKSJSON()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=60")
		_, _ = w.Write(body) // net/http drops the body for HEAD
	})
}
