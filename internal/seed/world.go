package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// world generates rows. It is used from one goroutine, and every random
// choice is drawn in a fixed order, which is what makes --seed-value
// reproduce the same data.
type world struct {
	r          *rand.Rand
	opt        Options
	pool       *pool
	start, end int64 // Unix micros: the year of activity being simulated
	users      []userInfo
	featureP   float64
	views      *view.Converter // renders tool outputs exactly as the agent does
}

// userInfo is what later phases need to know about a generated user.
type userInfo struct {
	id      string
	created int64
	banned  bool
	posts   int
}

// Shares of the generated population (roughly what a consumer AI-art site
// looks like: mostly free users, mostly image posts, few hidden posts).
var (
	planWeights = []planShare{{"free", 0.72, 15}, {"basic", 0.1, 1000}, {"basic_year", 0.04, 1000}, {"pro", 0.07, 2000},
		{"pro_year", 0.03, 2000}, {"max", 0.03, 6000}, {"max_year", 0.01, 6000}}
	languages = []string{"en", "en", "en", "ja", "ko", "zh-CN", "de", "es", "fr", "pt"}
)

const (
	day          = int64(24 * time.Hour / time.Microsecond)
	minute       = int64(time.Minute / time.Microsecond)
	shareVideo   = 0.12
	shareAudio   = 0.08
	shareBanned  = 0.003
	shareHidden  = 0.015 // duplicate or nsfw flags
	avatarShare  = 0.6
	maxPostShare = 25 // a prolific user posts at most this many times the mean
)

func newWorld(opt Options, p *pool) *world {
	end := opt.End.UnixMicro()
	return &world{r: rand.New(rand.NewPCG(opt.Seed, 0x6b697261)), opt: opt, pool: p, // "kira"
		start: end - 365*day, end: end, featureP: math.Min(1, 60/math.Max(1, float64(opt.Posts)))}
}

// profiles generates every user (profile, avatar file, sign-up ledger row)
// and decides how many posts each will publish: a skewed share, as a few
// users post far more than most.
func (w *world) profiles(b *store.BulkRows, from, to int) {
	for i := from; i < to; i++ {
		u := userInfo{id: newUUID(w.r), created: between(w.r, w.start, w.end-7*day), banned: chance(w.r, shareBanned)}
		name := pick(w.r, firstNames)
		nick := strings.ToLower(name) + "." + pick(w.r, handles)
		email := fmt.Sprintf("%s%d@example.com", strings.ToLower(strings.ReplaceAll(name, "-", "")), i)
		plan := w.pickPlan()
		var avatar string
		if chance(w.r, avatarShare) {
			avatar = "insert_" + newUUID(w.r)
			w.imageFile(b, avatar, u.id, "insert", w.r.IntN(len(w.pool.images)), u.created, "", "", "", false)
		}
		created := at(u.created)
		b.Profiles = append(b.Profiles, store.Profile{ID: u.id, Email: email, Nickname: nick, AvatarImageID: avatar,
			Plan: plan.plan, Credit: plan.credit, Language: pick(w.r, languages),
			Watermark: plan.plan == "free" && chance(w.r, 0.2), IsOpenNotification: chance(w.r, 0.7),
			LastCreditIssuedAt: &created, Banned: u.banned, ReferralCode: referralCode(w.opt.Seed, i),
			CreatedAt: created, UpdatedAt: created})
		b.Ledger = append(b.Ledger, store.LedgerEntry{ID: newUUID(w.r), UserID: u.id, EntryKey: "signup:" + u.id,
			CreditDelta: store.SignupCredit, Reason: "signup_bonus", CreatedAt: created})
		w.users = append(w.users, u)
	}
}

// planShare is a plan, its share of users and the credit they hold.
type planShare struct {
	plan   string
	weight float64
	credit int
}

func (w *world) pickPlan() planShare {
	x := w.r.Float64()
	for _, p := range planWeights {
		if x -= p.weight; x < 0 {
			return p
		}
	}
	return planWeights[0]
}

// assignPosts spreads opt.Posts over the users with log-normal weights
// capped at maxPostShare × the mean, so the total is exact.
func (w *world) assignPosts() {
	n := len(w.users)
	if n == 0 || w.opt.Posts == 0 {
		return
	}
	weights := make([]float64, n)
	total := 0.0
	for i := range weights {
		weights[i] = math.Min(math.Exp(1.2*w.r.NormFloat64()), maxPostShare*math.Exp(0.72))
		total += weights[i]
	}
	assigned := 0
	for i := range w.users {
		w.users[i].posts = int(float64(w.opt.Posts) * weights[i] / total)
		assigned += w.users[i].posts
	}
	for i := 0; assigned < w.opt.Posts; i = (i + 1) % n {
		w.users[i].posts++
		assigned++
	}
}

// imageFile registers a file row for a pool image; a published one records
// its public copy, which for seeded data is the pool file itself.
func (w *world) imageFile(b *store.BulkRows, id, userID, origin string, img int, us int64, prompt, toolCallID, toolName string, public bool) store.File {
	p := w.pool.images[img]
	f := store.File{ID: id, UserID: userID, Kind: "image", Origin: origin, ContentType: "image/png", Size: p.size,
		StorageKey: p.key, Width: p.width, Height: p.height, Blurhash: p.blurhash, ThumbKey: p.thumbKey,
		BlurKey: p.blurKey, Prompt: prompt, ToolCallID: toolCallID, ToolName: toolName, CreatedAt: at(us)}
	if toolName != "" {
		f.Seed = &p.seed
	}
	if public {
		f.PublicKey = p.key
	}
	b.Files = append(b.Files, store.BulkFile{File: f})
	return f
}

// clipFile registers the file row of a pool video or song.
func (w *world) clipFile(b *store.BulkRows, id, userID, kind string, c poolClip, us int64, public bool) {
	f := store.File{ID: id, UserID: userID, Kind: kind, Origin: "gen", ContentType: c.contentType, Size: c.size,
		StorageKey: c.key, CreatedAt: at(us)}
	if public {
		f.PublicKey = c.key
	}
	if kind == "video" {
		f.Width, f.Height = c.width, c.height
	}
	b.Files = append(b.Files, store.BulkFile{File: f, DurationMS: c.durationMS})
}

// postKind draws the media kind of a post.
func (w *world) postKind() string {
	switch x := w.r.Float64(); {
	case x < shareVideo:
		return store.MediaVideo
	case x < shareVideo+shareAudio:
		return store.MediaAudio
	}
	return store.MediaImage
}
