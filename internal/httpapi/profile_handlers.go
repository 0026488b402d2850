package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// profileHandlers serves /user/profile.
type profileHandlers struct{ s *Server }

// avatarKey is the stored key an avatar is shown from ("" = none).
func (s *Server) avatarKey(r *http.Request, imageID string) string {
	if imageID == "" {
		return ""
	}
	f, err := s.Store.GetFile(r.Context(), imageID)
	if err != nil {
		return "" // a deleted avatar shows as none rather than failing the profile
	}
	return view.AvatarKey(f)
}

func (h profileHandlers) get(w http.ResponseWriter, r *http.Request) {
	p, err := h.s.Store.GetProfile(r.Context(), userID(r))
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.s.Views.Profile(p, h.s.avatarKey(r, p.AvatarImageID)))
}

// profileUpdate is the PUT body; avatarImageId distinguishes absent from null.
type profileUpdate struct {
	Nickname           *string  `json:"nickname"`
	Language           *string  `json:"language"`
	AvatarImageID      optional `json:"avatarImageId"`
	Watermark          *bool    `json:"watermark"`
	IsOpenNotification *bool    `json:"isOpenNotification"`
}

// Languages a profile may choose: the locales the content ships in.
var supportedLanguages = []string{"en", "zh-CN", "zh-TW", "ja", "ko", "de", "es", "fr", "it", "ms", "pt", "ru"}

func canonicalLanguage(lang string) (string, bool) {
	for _, l := range supportedLanguages {
		if strings.EqualFold(l, lang) {
			return l, true
		}
	}
	return "", false
}

func (h profileHandlers) put(w http.ResponseWriter, r *http.Request) {
	var body profileUpdate
	if err := decodeJSON(r, &body); err != nil {
		h.s.writeError(w, r, err)
		return
	}
	patch, err := h.validate(r, body)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	p, err := h.s.Store.UpdateProfile(r.Context(), userID(r), patch)
	if err != nil {
		h.s.writeError(w, r, err)
		return
	}
	h.s.invalidate(r.Context(), hotcache.TopicFeed, hotcache.TopicUsers) // posts show nickname and avatar
	writeJSON(w, http.StatusOK, h.s.Views.ProfileUpdated(p, h.s.avatarKey(r, p.AvatarImageID)))
}

func (h profileHandlers) validate(r *http.Request, b profileUpdate) (store.ProfilePatch, error) {
	patch := store.ProfilePatch{Watermark: b.Watermark, IsOpenNotification: b.IsOpenNotification}
	if b.Nickname != nil {
		n := strings.TrimSpace(*b.Nickname)
		if l := utf8.RuneCountInString(n); l < 1 || l > 32 {
			return patch, apperr.Invalidf("nickname: must be 1-32 characters")
		}
		patch.Nickname = &n
	}
	if b.Language != nil {
		l, ok := canonicalLanguage(*b.Language)
		if !ok {
			return patch, apperr.Invalidf("language: must be one of %s", strings.Join(supportedLanguages, ", "))
		}
		patch.Language = &l
	}
	if b.AvatarImageID.Set {
		id, err := b.AvatarImageID.String("avatarImageId")
		if err != nil {
			return patch, err
		}
		if id != "" {
			f, err := h.s.Store.GetFile(r.Context(), id)
			if errors.Is(err, store.ErrNotFound) || (err == nil && (f.UserID != userID(r) || f.Kind != "image")) {
				return patch, apperr.Invalidf("avatarImageId: no image of yours has this id")
			} else if err != nil {
				return patch, err
			}
			if err := h.checkNewAvatar(r, f); err != nil {
				return patch, err
			}
		}
		patch.SetAvatar, patch.AvatarImageID = true, id
	}
	return patch, nil
}

// checkNewAvatar CSAM-checks an image about to become the caller's avatar
// (API.md §3.4), before anything is changed: a hit deletes the file and is
// a 451, a checker that cannot decide a 503. The current avatar is not
// checked again.
func (h profileHandlers) checkNewAvatar(r *http.Request, f store.File) error {
	p, err := h.s.Store.GetProfile(r.Context(), userID(r))
	if err != nil {
		return err
	}
	if p.AvatarImageID == f.ID {
		return nil
	}
	return h.s.Files.Check(r.Context(), f)
}
