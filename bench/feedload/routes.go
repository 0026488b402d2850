package main

import "strings"

// route is one API route measured side by side with its SQL (queries.go).
type route struct {
	Name   string // -routes key and queries.go key
	Label  string // first column of the table
	Method string
	Path   func(fx *Fixtures, p Pair) string
	Signed bool // sends the fixture user's token
	Likes  bool // path and token come from the request's (user, post) pair
}

// routes lists every route in the order they run; unlike follows like and
// takes back the likes it gave.
var routes = []route{
	{Name: "feed", Label: "`GET /feed/?page=1` anonymous", Method: "GET", Path: path("/feed/?page=1")},
	{Name: "feed-signed", Label: "`GET /feed/?page=1` signed in", Method: "GET", Path: path("/feed/?page=1"), Signed: true},
	{Name: "feed-deep", Label: "`GET /feed/?cursor=` (deep)", Method: "GET",
		Path: func(fx *Fixtures, _ Pair) string { return "/feed/?cursor=" + encodeCursor(fx.Deep) }},
	{Name: "featured", Label: "`GET /feed/featured`", Method: "GET", Path: path("/feed/featured")},
	{Name: "feed-id", Label: "`GET /feed/{id}`", Method: "GET",
		Path: func(fx *Fixtures, _ Pair) string { return "/feed/" + fx.FeedID }},
	{Name: "like", Label: "`PUT /like/{id}` (new likes)", Method: "PUT", Path: likePath, Likes: true},
	{Name: "unlike", Label: "`DELETE /like/{id}`", Method: "DELETE", Path: likePath, Likes: true},
	{Name: "profile", Label: "`GET /user/profile`", Method: "GET", Path: path("/user/profile"), Signed: true},
	{Name: "threads", Label: "`GET /thread/threads`", Method: "GET", Path: path("/thread/threads"), Signed: true},
	{Name: "messages", Label: "`GET /agent/chatMessages/{threadId}`", Method: "GET", Signed: true,
		Path: func(fx *Fixtures, _ Pair) string { return "/agent/chatMessages/" + fx.Thread }},
	{Name: "timelines", Label: "`GET /thread/timelines`", Method: "GET", Path: path("/thread/timelines"), Signed: true},
	{Name: "health", Label: "`GET /health` (raw: `SELECT 1`)", Method: "GET", Path: path("/health")},
}

func path(p string) func(*Fixtures, Pair) string { return func(*Fixtures, Pair) string { return p } }

func likePath(_ *Fixtures, p Pair) string { return "/like/" + p.Feed }

// selectRoutes returns the routes named in a comma-separated list ("" or
// "all": every route).
func selectRoutes(list string) ([]route, error) {
	if list == "" || list == "all" {
		return routes, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var out []route
	for _, r := range routes {
		if want[r.Name] {
			out = append(out, r)
			delete(want, r.Name)
		}
	}
	for n := range want {
		return nil, errUnknownRoute(n)
	}
	return out, nil
}

type errUnknownRoute string

func (e errUnknownRoute) Error() string {
	names := make([]string, len(routes))
	for i, r := range routes {
		names[i] = r.Name
	}
	return "unknown route " + string(e) + " (routes: " + strings.Join(names, ", ") + ")"
}
