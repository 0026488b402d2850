package hotcache_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/kira-art/kira/internal/hotcache"
)

type post struct {
	ID      string `json:"id"`
	Likes   int    `json:"likedNumber"`
	IsLiked bool   `json:"isLiked"`
}

type feedPage struct {
	Feeds []post `json:"feeds"`
}

// Example shows the feed handler's two paths: anonymous readers get the
// cached bytes, a signed-in viewer gets a copy of the cached value with
// their isLiked overlaid.
func Example() {
	inv := hotcache.NewMemory() // hotcache.NewRedis(client, "", log) when REDIS_URL is set
	pages, _ := hotcache.New(inv, hotcache.Options[feedPage]{
		Name:   "feed",
		Topics: []string{hotcache.TopicFeed},
		MaxAge: time.Second, // the likedNumber staleness bound
		Fill: func(ctx context.Context, mediaType string) (feedPage, error) {
			return feedPage{Feeds: []post{{ID: "a", Likes: 3}, {ID: "b", Likes: 5}}}, nil // store query
		},
		Encode:      func(p feedPage) ([]byte, error) { return json.Marshal(p) },
		ContentType: "application/json",
	})
	likedBy := func(viewer string, ids []string) map[string]bool { return map[string]bool{"b": true} } // one indexed query

	handler := func(w http.ResponseWriter, r *http.Request) {
		e, err := pages.Get(r.Context(), r.URL.Query().Get("mediaType"))
		if err != nil {
			http.Error(w, "internal error", 500)
			return
		}
		viewer := r.Header.Get("X-Viewer") // the verified user id in the real handler
		if viewer == "" {
			hotcache.ServeBytes(w, r, e)
			return
		}
		page := feedPage{Feeds: slices.Clone(e.Value.Feeds)} // the cached value is shared: copy
		ids := make([]string, len(page.Feeds))
		for i, p := range page.Feeds {
			ids[i] = p.ID
		}
		liked := likedBy(viewer, ids)
		for i := range page.Feeds {
			page.Feeds[i].IsLiked = liked[page.Feeds[i].ID]
		}
		json.NewEncoder(w).Encode(page) //nolint:errcheck
	}

	for _, viewer := range []string{"", "u1"} {
		r := httptest.NewRequest("GET", "/feed/?page=1", nil)
		r.Header.Set("X-Viewer", viewer)
		w := httptest.NewRecorder()
		handler(w, r)
		fmt.Print(w.Body.String())
		if viewer == "" {
			fmt.Println()
		}
	}
	// A publish, delete, flag or ban commits, then:
	inv.Invalidate(context.Background(), hotcache.TopicFeed) //nolint:errcheck
	// Output:
	// {"feeds":[{"id":"a","likedNumber":3,"isLiked":false},{"id":"b","likedNumber":5,"isLiked":false}]}
	// {"feeds":[{"id":"a","likedNumber":3,"isLiked":false},{"id":"b","likedNumber":5,"isLiked":true}]}
}
