package cms

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Text is a localised string. In a document it is either an object keyed
// by locale ({"en": "Hello", "ja": "こんにちは"}) or a plain string, which
// is English.
type Text map[string]string

// UnmarshalJSON accepts both forms and canonicalises locale keys; an exact
// key ("en") wins over a derived one ("en-US").
func (t *Text) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text{Fallback: s}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(m)) // deterministic when en-US and en-GB both map to en
	out := make(Text, len(m))
	for _, exact := range []bool{true, false} {
		for _, k := range keys {
			c := canonicalLocale(k)
			if (c == k) == exact && out[c] == "" {
				out[c] = m[k]
			}
		}
	}
	*t = out
	return nil
}

// In is the text in locale, or the English text when that locale's is
// missing or blank (the per-field fallback of API.md §3.10).
func (t Text) In(locale string) string {
	if v := strings.TrimSpace(t[locale]); v != "" {
		return v
	}
	return strings.TrimSpace(t[Fallback])
}

// The upstream documents. The CMS (CMS_URL) and the embedded defaults in
// content/cms/ share these shapes; see the package documentation.
type (
	announcementDoc struct {
		Visible     bool   `json:"visible"`
		URL         string `json:"url"`
		ImageURL    string `json:"imageUrl"`
		Title       Text   `json:"title"`
		Description Text   `json:"description"`
	}
	homeCardsDoc struct {
		FeaturedCardIDs []string  `json:"featuredCardIds"` // absent = the cards marked isFeatured
		Cards           []cardDoc `json:"cards"`
	}
	cardDoc struct {
		ID               string     `json:"id"`
		CoverType        string     `json:"coverType"`
		Image            string     `json:"image"`
		CoverVideo       string     `json:"coverVideo"`
		ArcadeLink       string     `json:"arcadeLink"`
		MobileArcadeLink string     `json:"mobileArcadeLink"`
		RequiredPlan     string     `json:"requiredPlan"`
		Title            Text       `json:"title"`
		Description      Text       `json:"description"`
		Prompt           Text       `json:"prompt"`
		IsFeatured       bool       `json:"isFeatured"`
		Model            string     `json:"model"`
		Ratio            string     `json:"ratio"`
		MediaType        string     `json:"mediaType"`
		InputMedias      []mediaDoc `json:"inputMedias"`
	}
	mediaDoc struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	trendingDoc struct {
		Items []trendingItemDoc `json:"items"`
	}
	trendingItemDoc struct {
		Title      Text   `json:"title"`
		CoverType  string `json:"coverType"`
		CoverImage string `json:"coverImage"`
		CoverVideo string `json:"coverVideo"`
		URL        string `json:"url"`
	}
)

// Announcement is the body of GET /op/announcement.
type Announcement struct {
	Announcement string  `json:"announcement"` // legacy copy of Title
	URL          *string `json:"url"`
	Visible      bool    `json:"visible"`
	Title        string  `json:"title"`
	Description  string  `json:"description"`
	ImageURL     *string `json:"imageUrl"`
}

// HomeCards is the body of GET /op/homecards/v2.
type HomeCards struct {
	Cards           []Card   `json:"cards"`
	FeaturedCardIDs []string `json:"featuredCardIds"`
}

// Card is one home card; fields the CMS leaves empty are null.
type Card struct {
	ID               string  `json:"id"`
	CoverType        string  `json:"coverType"`
	Image            *string `json:"image"`
	CoverVideo       *string `json:"coverVideo"`
	ArcadeLink       *string `json:"arcadeLink"`
	MobileArcadeLink *string `json:"mobileArcadeLink"`
	RequiredPlan     *string `json:"requiredPlan"`
	Title            string  `json:"title"`
	Description      *string `json:"description"`
	Prompt           *string `json:"prompt"`
	IsFeatured       bool    `json:"isFeatured"`
	Model            *string `json:"model"`
	Ratio            *string `json:"ratio"`
	MediaType        string  `json:"mediaType"`
	InputMedias      []Media `json:"inputMedias"`
}

// Media is an input of a card.
type Media struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Trending is the body of GET /op/trending.
type Trending struct {
	Items []TrendingItem `json:"items"`
}

// TrendingItem is one entry of the trending section.
type TrendingItem struct {
	Title      string  `json:"title"`
	CoverType  string  `json:"coverType"`
	CoverImage *string `json:"coverImage"`
	CoverVideo *string `json:"coverVideo"`
	URL        *string `json:"url"`
}

// The empty shapes served when the source fails (API.md §3.10).
func emptyAnnouncement() Announcement { return Announcement{} }
func emptyHomeCards() HomeCards       { return HomeCards{Cards: []Card{}, FeaturedCardIDs: []string{}} }
func emptyTrending() Trending         { return Trending{Items: []TrendingItem{}} }

func (d announcementDoc) localise(locale string) Announcement {
	title := d.Title.In(locale)
	return Announcement{Announcement: title, Title: title, Description: d.Description.In(locale),
		Visible: d.Visible, URL: null(d.URL), ImageURL: null(d.ImageURL)}
}

// Allowed values of the closed fields (API.md §2 plans, §3.10 cards).
var (
	plans      = set("free", "basic", "basic_year", "pro", "pro_year", "max", "max_year")
	models     = set("lite", "nova", "ultra")
	mediaKinds = set("image", "video")
)

// localise builds the cards clients see: audio cards and audio inputs are
// dropped (clients cannot play them here), as are cards that could not be
// shown (no id, unknown cover or media type, a repeated id); unknown plans
// and models become null rather than values the client does not know.
func (d homeCardsDoc) localise(locale string) HomeCards {
	out := emptyHomeCards()
	kept := map[string]bool{}
	for _, c := range d.Cards {
		cover := coverType(c.CoverType, c.CoverVideo)
		media := strings.ToLower(strings.TrimSpace(c.MediaType))
		if media == "" {
			media = "image"
		}
		if c.ID == "" || kept[c.ID] || !mediaKinds[cover] || !mediaKinds[media] {
			continue
		}
		kept[c.ID] = true
		card := Card{ID: c.ID, CoverType: cover, Image: null(c.Image), CoverVideo: null(c.CoverVideo),
			ArcadeLink: null(c.ArcadeLink), MobileArcadeLink: null(c.MobileArcadeLink),
			RequiredPlan: oneOf(c.RequiredPlan, plans), Title: c.Title.In(locale),
			Description: null(c.Description.In(locale)), Prompt: null(c.Prompt.In(locale)),
			IsFeatured: c.IsFeatured, Model: oneOf(c.Model, models), Ratio: null(c.Ratio),
			MediaType: media, InputMedias: []Media{}}
		for _, m := range c.InputMedias {
			if t := strings.ToLower(m.Type); mediaKinds[t] && m.URL != "" {
				card.InputMedias = append(card.InputMedias, Media{Type: t, URL: m.URL})
			}
		}
		out.Cards = append(out.Cards, card)
	}
	if d.FeaturedCardIDs == nil {
		for _, c := range out.Cards {
			if c.IsFeatured {
				out.FeaturedCardIDs = append(out.FeaturedCardIDs, c.ID)
			}
		}
		return out
	}
	listed := map[string]bool{}
	for _, id := range d.FeaturedCardIDs {
		if kept[id] && !listed[id] { // dropped (e.g. audio) cards leave the list too
			listed[id] = true
			out.FeaturedCardIDs = append(out.FeaturedCardIDs, id)
		}
	}
	return out
}

func (d trendingDoc) localise(locale string) Trending {
	out := emptyTrending()
	for _, it := range d.Items {
		cover := coverType(it.CoverType, it.CoverVideo)
		if !mediaKinds[cover] {
			continue
		}
		out.Items = append(out.Items, TrendingItem{Title: it.Title.In(locale), CoverType: cover,
			CoverImage: null(it.CoverImage), CoverVideo: null(it.CoverVideo), URL: null(it.URL)})
	}
	return out
}

// coverType normalises a cover type; when the CMS leaves it out it is
// inferred from whether a cover video exists.
func coverType(t, video string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if t == "" {
		if strings.TrimSpace(video) != "" {
			return "video"
		}
		return "image"
	}
	return t
}

func null(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

func oneOf(s string, allowed map[string]bool) *string {
	if s = strings.ToLower(strings.TrimSpace(s)); !allowed[s] {
		return nil
	}
	return &s
}

func set(vs ...string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}
