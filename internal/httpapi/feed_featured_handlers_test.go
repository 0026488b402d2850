package httpapi_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

const testAdminPassword = "operator-password-0123456789"

// topicLog records the invalidations a server announced.
type topicLog struct {
	mu     sync.Mutex
	topics []string
}

func (l *topicLog) listen(topics []string, _ bool) {
	l.mu.Lock()
	l.topics = append(l.topics, topics...)
	l.mu.Unlock()
}

func (l *topicLog) count(topic string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, t := range l.topics {
		if t == topic {
			n++
		}
	}
	return n
}

// forEachAdminStore runs fn on a server with an admin password, logging the
// invalidations of its cache, on every configured database.
func forEachAdminStore(t *testing.T, fn func(t *testing.T, e feedEnv, log *topicLog)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, func(c *config.Config) { c.AdminPassword = testAdminPassword })
		log := &topicLog{}
		e.api.Cache.OnInvalidate(log.listen)
		fn(t, feedEnv{rawEnv{env: e}}, log)
	})
}

func featuredIDs(t *testing.T, e feedEnv) []string {
	t.Helper()
	var out feedPageJSON
	expect(t, e.do("GET", "/feed/featured", "", nil), 200).json(t, &out)
	return out.ids()
}

func TestFeatureRoute(t *testing.T) {
	t.Parallel()
	forEachAdminStore(t, func(t *testing.T, e feedEnv, log *topicLog) {
		u := e.member()
		f := e.post(u, store.MediaImage)
		path := "/feed/" + f.ID + "/featured?password=" + testAdminPassword

		var got struct {
			ID       string
			Featured bool
		}
		expect(t, e.do("PUT", path, "", nil), 200).json(t, &got)
		if got.ID != f.ID || !got.Featured {
			t.Fatalf("PUT answered %+v", got)
		}
		if ids := featuredIDs(t, e); !slices.Equal(ids, []string{f.ID}) {
			t.Fatalf("featured after PUT: %v", ids)
		}
		expect(t, e.do("PUT", path, "", nil), 200) // idempotent
		if log.count(hotcache.TopicFeatured) != 2 {
			t.Fatalf("invalidations %v, want one per change", log.topics)
		}

		expect(t, e.do("DELETE", path, "", nil), 200).json(t, &got)
		if got.Featured {
			t.Fatalf("DELETE answered %+v", got)
		}
		if ids := featuredIDs(t, e); len(ids) != 0 {
			t.Fatalf("featured after DELETE: %v", ids)
		}
		expect(t, e.do("DELETE", path, "", nil), 200)
		if log.count(hotcache.TopicFeatured) != 4 {
			t.Fatalf("invalidations %v", log.topics)
		}
	})
}

func TestFeatureRouteRefusals(t *testing.T) {
	t.Parallel()
	forEachAdminStore(t, func(t *testing.T, e feedEnv, log *topicLog) {
		f := e.post(e.member(), store.MediaImage)
		base := "/feed/" + f.ID + "/featured"
		for _, m := range []string{"PUT", "DELETE"} {
			expect(t, e.do(m, base, "", nil), 401)
			expect(t, e.do(m, base+"?password=wrong", "", nil), 401)
			expect(t, e.do(m, base+"?password="+testAdminPassword+"x", "", nil), 401)
			// A user's token is no admin password.
			expect(t, e.do(m, base, e.member().Token, nil), 401)
			expect(t, e.do(m, "/feed/"+uuid.NewString()+"/featured?password="+testAdminPassword, "", nil), 404)
			expect(t, e.bad(m, "/feed/not-a-uuid/featured?password="+testAdminPassword, "", nil), 400)
			// The password is checked before anything else.
			expect(t, e.do(m, "/feed/"+uuid.NewString()+"/featured?password=wrong", "", nil), 401)
		}
		if ids := featuredIDs(t, e); len(ids) != 0 {
			t.Fatalf("refused requests featured %v", ids)
		}
		if n := log.count(hotcache.TopicFeatured); n != 0 {
			t.Fatalf("%d invalidations for refused requests", n)
		}
	})
}

// TestFeatureRouteClosedWithoutPassword: no ADMIN_PASSWORD configured
// means the route is closed, even to an empty password.
func TestFeatureRouteClosedWithoutPassword(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		expect(t, e.do("GET", "/user/profile", u.Token, nil), 200)
		f := feedEnv{rawEnv{env: e}}.post(u, store.MediaImage)
		expect(t, e.do("PUT", "/feed/"+f.ID+"/featured?password=", "", nil), 401)
		expect(t, e.do("PUT", "/feed/"+f.ID+"/featured", "", nil), 401)
		if feeds, err := e.store.FeaturedFeedRows(context.Background(), 50, ""); err != nil || len(feeds) != 0 {
			t.Fatalf("featured %d posts (%v)", len(feeds), err)
		}
	})
}
