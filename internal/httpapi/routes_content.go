package httpapi

import "net/http"

// routesContent registers the content route group: filter presets, the CMS
// proxy, login backgrounds, referral info, the daily reward and the
// support-chat hash.
func (s *Server) routesContent(mux *http.ServeMux) {
	f := filterHandlers{s}
	mux.HandleFunc("GET /filter/preset", s.requireAuth(f.list))
	mux.HandleFunc("POST /filter/like", s.requireAuth(f.like))
	mux.HandleFunc("DELETE /filter/like/{filterId}", s.requireAuth(f.unlike))
	mux.HandleFunc("GET /filter/liked", s.requireAuth(f.liked))

	op := s.newCMSHandlers()
	mux.HandleFunc("GET /op/announcement", op.announcement)
	mux.HandleFunc("GET /op/homecards/v2", op.homeCards)
	mux.HandleFunc("GET /op/trending", op.trending)

	u := s.newUserContentHandlers()
	mux.HandleFunc("GET /user/authBg", u.authBackgrounds)
	mux.HandleFunc("GET /user/referral-info", s.requireAuth(u.referralInfo))

	rw := rewardHandlers{s: s, remind: s.rewardReminder()}
	mux.HandleFunc("POST /reward/daily", s.requireAuth(rw.daily))
	mux.HandleFunc("GET /support/hash", s.requireAuth(supportHandlers{s}.hash))
}
