package view

import (
	"github.com/kira-art/kira/internal/store"
)

// Filter is a preset as GET /filter/preset and /filter/liked show it.
type Filter struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Prompt   string `json:"prompt"`
	CoverURL string `json:"coverUrl"`
	Sort     int    `json:"sort"`
	Liked    bool   `json:"liked"`
}

// FilterList is {filters: Filter[]}.
type FilterList struct {
	Filters []Filter `json:"filters"`
}

// Filters renders presets in order.
func Filters(fs []store.Filter) FilterList {
	out := FilterList{Filters: make([]Filter, len(fs))}
	for i, f := range fs {
		out.Filters[i] = Filter{ID: f.ID, Name: f.Name, Category: f.Category, Prompt: f.Prompt,
			CoverURL: f.CoverURL, Sort: f.Sort, Liked: f.Liked}
	}
	return out
}

// SitemapEntry is one {id, updatedAt} of the sitemap routes.
type SitemapEntry struct {
	ID        string `json:"id"`
	UpdatedAt string `json:"updatedAt"`
}

// SitemapUsers is GET /sitemap/users.
type SitemapUsers struct {
	Users []SitemapEntry `json:"users"`
}

// SitemapFeeds is GET /sitemap/feeds.
type SitemapFeeds struct {
	Feeds []SitemapEntry `json:"feeds"`
}

// SitemapEntries renders sitemap rows.
func SitemapEntries(es []store.SitemapEntry) []SitemapEntry {
	out := make([]SitemapEntry, 0, len(es))
	for _, e := range es {
		out = append(out, SitemapEntry{ID: e.ID, UpdatedAt: Time(e.UpdatedAt)})
	}
	return out
}

// Readiness is GET /ready: {status, checks: {name: ok|unavailable}}.
type Readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}
