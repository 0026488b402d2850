package main

import (
	"context"
	"math/rand/v2"
	"net/url"
)

// feedPage is the part of GET /feed/'s answer the readers use.
type feedPage struct {
	Feeds []struct {
		ID string `json:"id"`
	} `json:"feeds"`
	NextCursor string `json:"nextCursor"`
}

// feedReader scrolls: the first page, then up to 10 more following
// nextCursor, half of the sessions signed in; the ids it sees feed the
// likers.
func (s *soak) feedReader(ctx context.Context) {
	for s.running(ctx) {
		var u *user
		if rand.IntN(2) == 0 {
			u = &s.users[rand.IntN(len(s.users))]
		}
		rq := request{route: "GET /feed/", method: "GET", path: "/feed/", u: u}
		for range 1 + rand.IntN(11) {
			var page feedPage
			if err := s.getJSON(ctx, rq, &page); err != nil || !s.running(ctx) {
				break
			}
			for _, f := range page.Feeds {
				s.posts.add(f.ID)
			}
			if page.NextCursor == "" {
				break
			}
			rq.route, rq.path = "GET /feed/?cursor=", "/feed/?cursor="+url.QueryEscape(page.NextCursor)
		}
	}
}

// liker likes a post the readers saw and takes the like back.
func (s *soak) liker(ctx context.Context) {
	for s.running(ctx) {
		id := s.posts.pick()
		if id == "" { // nothing read yet: read a page first
			s.feedOnce(ctx)
			continue
		}
		u := &s.users[rand.IntN(len(s.users))]
		if s.getJSON(ctx, request{route: "PUT /like/{id}", method: "PUT", path: "/like/" + id, u: u}, nil) != nil {
			continue
		}
		s.getJSON(ctx, request{route: "DELETE /like/{id}", method: "DELETE", path: "/like/" + id, u: u}, nil) //nolint:errcheck // recorded
	}
}

// feedOnce reads the first page for its ids.
func (s *soak) feedOnce(ctx context.Context) {
	var page feedPage
	if s.getJSON(ctx, request{route: "GET /feed/", method: "GET", path: "/feed/"}, &page) == nil {
		for _, f := range page.Feeds {
			s.posts.add(f.ID)
		}
	}
	if len(page.Feeds) == 0 {
		s.pause(ctx) // an empty feed: nothing to like
	}
}

// profileReader reads signed-in users' profiles.
func (s *soak) profileReader(ctx context.Context) {
	for s.running(ctx) {
		u := &s.users[rand.IntN(len(s.users))]
		s.getJSON(ctx, request{route: "GET /user/profile", method: "GET", path: "/user/profile", u: u}, nil) //nolint:errcheck // recorded
	}
}
