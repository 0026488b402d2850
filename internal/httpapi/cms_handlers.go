package httpapi

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"

	"github.com/kira-art/kira/internal/cms"
	"github.com/kira-art/kira/internal/hotcache"
)

// cmsHandlers serves the CMS proxy under /op (API.md §3.10).
type cmsHandlers struct {
	s            *Server
	cms          *cms.Client // nil (empty shapes) only when the client could not be built
	cacheControl string      // for good answers
}

// newCMSHandlers serves the CMS client app built (nil: the empty shapes).
func (s *Server) newCMSHandlers() cmsHandlers {
	// Browsers and CDNs may reuse a good answer as long as the server itself
	// would; the fail-open empty shape is not cached downstream.
	ttl := cmp.Or(s.Config.CMSCacheTTL, cms.DefaultTTL)
	return cmsHandlers{s: s, cms: s.CMS, cacheControl: fmt.Sprintf("public, max-age=%d", int(ttl.Seconds()))}
}

// locale picks the content language and marks the response as varying
// with it (Add, so a Vary: Origin from the CORS middleware survives).
func (h cmsHandlers) locale(w http.ResponseWriter, r *http.Request) string {
	l := cms.MatchLocale(strings.Join(r.Header.Values("Accept-Language"), ","))
	w.Header().Add("Vary", "Accept-Language")
	w.Header().Set("Content-Language", l)
	return l
}

func (h cmsHandlers) write(w http.ResponseWriter, ok bool, body any) {
	if ok {
		w.Header().Set("Cache-Control", h.cacheControl)
	} else {
		w.Header().Set("Cache-Control", "no-store")
	}
	writeJSON(w, http.StatusOK, body)
}

// cached serves a CMS document from the hot cache (ETag, gzip); a
// fail-open answer is not cached and goes out as before.
func (h cmsHandlers) cached(w http.ResponseWriter, r *http.Request, path string, direct func(locale string)) {
	l := h.locale(w, r)
	e, err := h.s.hot.cms.Get(r.Context(), path+"|"+l)
	if err != nil {
		direct(l)
		return
	}
	w.Header().Set("Cache-Control", h.cacheControl)
	hotcache.ServeBytes(w, r, e)
}

func (h cmsHandlers) announcement(w http.ResponseWriter, r *http.Request) {
	h.cached(w, r, "announcement", func(l string) {
		a, ok := h.cms.Announcement(r.Context(), l)
		h.write(w, ok, a)
	})
}

func (h cmsHandlers) homeCards(w http.ResponseWriter, r *http.Request) {
	h.cached(w, r, "homecards", func(l string) {
		c, ok := h.cms.HomeCards(r.Context(), l)
		h.write(w, ok, c)
	})
}

func (h cmsHandlers) trending(w http.ResponseWriter, r *http.Request) {
	h.cached(w, r, "trending", func(l string) {
		t, ok := h.cms.Trending(r.Context(), l)
		h.write(w, ok, t)
	})
}
