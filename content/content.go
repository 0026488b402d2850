// Package content is the data kira ships inside its binary: filter presets,
// login-page backgrounds and the default CMS documents (content/cms/). The
// files are embedded so a single binary serves them without a checkout;
// this package only reads and validates them and depends on nothing else
// in kira.
package content

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
)

//go:embed filters.json auth_backgrounds.json cms/*.json moderation/*.txt
var files embed.FS

// watermarkLogo is the "kira" wordmark overlaid on watermarked downloads
// (internal/watermark draws it; its test redraws and checks this file).
//
//go:embed watermark_logo.png
var watermarkLogo []byte

// WatermarkLogo returns the shipped watermark logo, a PNG with
// transparency. Callers must not modify the slice.
func WatermarkLogo() []byte { return watermarkLogo }

// ModerationLists is the shipped moderation/ directory: the local checker's
// block lists (perceptual hashes and terms).
func ModerationLists() fs.FS {
	sub, err := fs.Sub(files, "moderation")
	if err != nil {
		panic(err) // embedded at build time
	}
	return sub
}

// FilterPreset is one entry of filters.json.
type FilterPreset struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Prompt   string `json:"prompt"`
	CoverURL string `json:"coverUrl"`
	Sort     int    `json:"sort"`
}

// filterID keeps preset ids URL-safe: they appear in DELETE /filter/like/{id}.
var filterID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// FilterPresets parses and validates the shipped presets.
func FilterPresets() ([]FilterPreset, error) {
	var doc struct {
		Filters []FilterPreset `json:"filters"`
	}
	if err := decode("filters.json", &doc); err != nil {
		return nil, err
	}
	return doc.Filters, ValidateFilterPresets(doc.Filters)
}

// ValidateFilterPresets reports every broken preset at once: ids unique and
// URL-safe, names, categories and prompts present, covers absolute URLs.
func ValidateFilterPresets(ps []FilterPreset) error {
	var errs []error
	seen := map[string]bool{}
	for i, p := range ps {
		bad := func(msg string) { errs = append(errs, fmt.Errorf("filters[%d] %q: %s", i, p.ID, msg)) }
		if !filterID.MatchString(p.ID) {
			bad("id must be 1-64 of a-z 0-9 -")
		}
		if seen[p.ID] {
			bad("duplicate id")
		}
		seen[p.ID] = true
		if p.Name == "" || p.Category == "" || p.Prompt == "" {
			bad("name, category and prompt are required")
		}
		if !absoluteURL(p.CoverURL) {
			bad("coverUrl must be an absolute http(s) URL")
		}
	}
	return errors.Join(errs...)
}

// AuthBackground is one login-page background (GET /user/authBg).
type AuthBackground struct {
	URL      string `json:"url"`
	Blurhash string `json:"blurhash"`
}

// AuthBackgrounds parses and validates auth_backgrounds.json.
func AuthBackgrounds() ([]AuthBackground, error) {
	var doc struct {
		Images []AuthBackground `json:"images"`
	}
	if err := decode("auth_backgrounds.json", &doc); err != nil {
		return nil, err
	}
	var errs []error
	for i, b := range doc.Images {
		if !absoluteURL(b.URL) {
			errs = append(errs, fmt.Errorf("images[%d]: url must be an absolute http(s) URL", i))
		}
		if !ValidBlurhash(b.Blurhash) {
			errs = append(errs, fmt.Errorf("images[%d]: invalid blurhash %q", i, b.Blurhash))
		}
	}
	return doc.Images, errors.Join(errs...)
}

// CMSDocument returns the raw default CMS document name (announcement,
// homecards or trending); internal/cms defines and parses its shape.
func CMSDocument(name string) ([]byte, error) {
	if !filterID.MatchString(name) { // keeps the name a plain file name
		return nil, fmt.Errorf("cms document %q: %w", name, fs.ErrNotExist)
	}
	return files.ReadFile("cms/" + name + ".json")
}

func decode(name string, v any) error {
	raw, err := files.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("content/%s: %w", name, err)
	}
	return nil
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

const base83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"

// ValidBlurhash checks a blurhash's structure: base-83 characters and the
// length its first character (the component counts) announces. Clients
// decode it before the image loads, so a broken one shows as a glitch.
func ValidBlurhash(h string) bool {
	if len(h) < 6 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if strings.IndexByte(base83, h[i]) < 0 {
			return false
		}
	}
	size := strings.IndexByte(base83, h[0])
	nx, ny := size%9+1, size/9+1
	return len(h) == 4+2*nx*ny
}
