// Package config reads the server's typed configuration from environment
// variables (and a .env file when present), applies defaults and validates it.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Environment names.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Config is everything the server needs to start. Field comments name the
// environment variable each one comes from.
type Config struct {
	Addr      string // KIRA_ADDR, default ":8080"
	DataDir   string // KIRA_DATA_DIR, default "./data"
	Env       string // KIRA_ENV, "development" (default) or "production"
	PublicURL string // KIRA_PUBLIC_URL, base of signed file URLs; default http://localhost<Addr>
	LogLevel  string // KIRA_LOG_LEVEL: debug, info (default), warn, error
	PprofAddr string // KIRA_PPROF_ADDR: listen address of net/http/pprof (empty = off; keep it on loopback)
	// Playground is KIRA_PLAYGROUND: serve the playground page at
	// /playground; default on in development, off in production.
	Playground bool

	DatabaseURL string // DATABASE_URL; empty = SQLite at $KIRA_DATA_DIR/kira.db
	RedisURL    string // REDIS_URL; empty = in-memory stream log and leases
	RedisPrefix string // REDIS_PREFIX, default "kira:": every key and channel kira uses starts with it

	SupabaseURL   string // SUPABASE_URL; JWKS and issuer are derived from it when not set
	JWKSURL       string // SUPABASE_JWKS_URL; empty (and no SUPABASE_URL) = development key
	JWTIssuer     string // SUPABASE_JWT_ISSUER; empty = no iss check (or derived from SUPABASE_URL)
	JWTSecret     string // SUPABASE_JWT_SECRET; legacy HS256 secret, accepted only when set
	AdminPassword string // ADMIN_PASSWORD; empty = password routes always 401
	CORSOrigins   []string
	ShutdownGrace time.Duration // KIRA_SHUTDOWN_TIMEOUT, default 15s
	MaxBodyBytes  int64         // JSON body limit (API.md: 1 MiB)
	FrontChatKey  string        // FRONT_CHAT_SECRET, for /support/hash
	CMSURL        string        // CMS_URL; upstream CMS base URL, empty = content/cms/ in the binary
	CMSTimeout    time.Duration // CMS_TIMEOUT, default 3s: one upstream CMS fetch
	CMSCacheTTL   time.Duration // CMS_CACHE_TTL, default 60s: how long a fetched CMS document is reused

	LLMProvider      string        // LLM_PROVIDER: local (default, offline scripted model) or openai
	LLMBaseURL       string        // LLM_BASE_URL: any OpenAI-compatible chat-completions API
	LLMAPIKey        string        // LLM_API_KEY (secret)
	LLMModel         string        // LLM_MODEL
	LLMThinkingModel string        // LLM_THINKING_MODEL; empty = LLM_MODEL
	LLMTitleModel    string        // LLM_TITLE_MODEL; empty = LLM_MODEL
	LLMTokenDelay    time.Duration // LLM_TOKEN_DELAY: the local model's pause per token, default 15ms
	// RunLease is RUN_LEASE, default 10s: a chat run renews its lease every
	// third of it; when an instance dies, another takes its runs over
	// about 1.2 leases later (STREAMING.md §2).
	RunLease time.Duration

	ImageProvider  string   // IMAGE_PROVIDER: local (default, offline renderer) or openai (images API)
	ImageBaseURL   string   // IMAGE_BASE_URL; default LLM_BASE_URL
	ImageAPIKey    string   // IMAGE_API_KEY (secret); default LLM_API_KEY
	ImageModel     string   // IMAGE_MODEL, e.g. gpt-image-1
	DefaultOrigins []string // production defaults merged into CORSOrigins

	Media    MediaConfig    // video and music generation
	Realtime RealtimeConfig // task status push

	Mail       MailConfig       // transactional mail
	Accounts   AccountsConfig   // account deletion and its third-party clean-ups
	Analytics  AnalyticsConfig  // PostHog and Sentry
	Moderation ModerationConfig // content checks
	Downloads  DownloadConfig   // watermarked downloads
	RateLimit  RateLimitConfig  // 429s on expensive routes and per client IP
	Blob       BlobConfig       // file storage: local directory or S3
}

// MediaConfig configures background video and music generation.
type MediaConfig struct {
	VideoProvider string // VIDEO_PROVIDER: local (default; ffmpeg when on PATH, else a pure-Go encoder) or seedance
	VideoBaseURL  string // VIDEO_BASE_URL: the Seedance (BytePlus ModelArk) API base
	VideoAPIKey   string // VIDEO_API_KEY (secret)
	VideoModel    string // VIDEO_MODEL, e.g. seedance-1-0-lite-t2v-250428
	MusicProvider string // MUSIC_PROVIDER: local (default; synthesised WAV) or suno
	MusicBaseURL  string // MUSIC_BASE_URL: the Suno-style API base
	MusicAPIKey   string // MUSIC_API_KEY (secret)
	MusicModel    string // MUSIC_MODEL, e.g. V4_5

	VideoTimeout     time.Duration // VIDEO_TIMEOUT, default 30m: one attempt of a video job
	MusicTimeout     time.Duration // MUSIC_TIMEOUT, default 10m: one attempt of a music job
	VideoConcurrency int           // VIDEO_CONCURRENCY: running video tasks across all workers; 0 = no cap
	MusicConcurrency int           // MUSIC_CONCURRENCY: the same for music
	SlotLease        time.Duration // TASK_SLOT_LEASE, default 30s: how soon a dead worker's task is handed on
	// Workers is MEDIA_WORKERS, default 8: video and music jobs this process
	// runs at once; 0 leaves them to other processes (API-only instances
	// beside `kira worker`s).
	Workers int
}

// RealtimeConfig chooses the realtime push: the embedded Centrifuge node
// (default, at /connection/websocket) or an external Centrifugo.
type RealtimeConfig struct {
	CentrifugoAPIURL      string // CENTRIFUGO_API_URL: set = publish through this Centrifugo's HTTP API
	CentrifugoAPIKey      string // CENTRIFUGO_API_KEY (secret)
	CentrifugoTokenSecret string // CENTRIFUGO_TOKEN_SECRET (secret, ≥ 32 bytes): HMAC key of GET /realtime/token
	AllowedOrigins        []string
}

// External reports whether realtime goes through an external Centrifugo.
func (r RealtimeConfig) External() bool { return r.CentrifugoAPIURL != "" }

// defaultProductionOrigins are the web client's origins (API.md §0).
var defaultProductionOrigins = []string{"https://kira.art", "https://*.kira.art"}

// Load reads the environment. A .env file in the working directory is read
// first; real environment variables win over it.
func Load() (Config, error) {
	if err := godotenv.Load(); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Config{}, fmt.Errorf("read .env: %w", err)
	}
	return FromLookup(os.LookupEnv)
}

// FromLookup builds a Config from any variable source (tests pass a map).
func FromLookup(lookup func(string) (string, bool)) (Config, error) {
	get := func(key, def string) string {
		if v, ok := lookup(key); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	c := Config{
		Addr:          get("KIRA_ADDR", ":8080"),
		DataDir:       get("KIRA_DATA_DIR", "./data"),
		Env:           get("KIRA_ENV", EnvDevelopment),
		PublicURL:     get("KIRA_PUBLIC_URL", ""),
		LogLevel:      get("KIRA_LOG_LEVEL", "info"),
		PprofAddr:     get("KIRA_PPROF_ADDR", ""),
		DatabaseURL:   get("DATABASE_URL", ""),
		RedisURL:      get("REDIS_URL", ""),
		RedisPrefix:   get("REDIS_PREFIX", "kira:"),
		SupabaseURL:   strings.TrimRight(get("SUPABASE_URL", ""), "/"),
		JWKSURL:       get("SUPABASE_JWKS_URL", ""),
		JWTIssuer:     get("SUPABASE_JWT_ISSUER", ""),
		JWTSecret:     get("SUPABASE_JWT_SECRET", ""),
		AdminPassword: get("ADMIN_PASSWORD", ""),
		FrontChatKey:  get("FRONT_CHAT_SECRET", ""),
		CMSURL:        strings.TrimRight(get("CMS_URL", ""), "/"),
		MaxBodyBytes:  1 << 20,

		LLMProvider:      get("LLM_PROVIDER", "local"),
		LLMBaseURL:       get("LLM_BASE_URL", ""),
		LLMAPIKey:        get("LLM_API_KEY", ""),
		LLMModel:         get("LLM_MODEL", ""),
		LLMThinkingModel: get("LLM_THINKING_MODEL", ""),
		LLMTitleModel:    get("LLM_TITLE_MODEL", ""),
		ImageProvider:    get("IMAGE_PROVIDER", "local"),
		ImageModel:       get("IMAGE_MODEL", ""),
	}
	c.Media = MediaConfig{VideoProvider: get("VIDEO_PROVIDER", "local"), VideoBaseURL: get("VIDEO_BASE_URL", ""),
		VideoAPIKey: get("VIDEO_API_KEY", ""), VideoModel: get("VIDEO_MODEL", ""),
		MusicProvider: get("MUSIC_PROVIDER", "local"), MusicBaseURL: get("MUSIC_BASE_URL", ""),
		MusicAPIKey: get("MUSIC_API_KEY", ""), MusicModel: get("MUSIC_MODEL", "")}
	c.Realtime = RealtimeConfig{CentrifugoAPIURL: strings.TrimRight(get("CENTRIFUGO_API_URL", ""), "/"),
		CentrifugoAPIKey: get("CENTRIFUGO_API_KEY", ""), CentrifugoTokenSecret: get("CENTRIFUGO_TOKEN_SECRET", "")}
	c.ImageBaseURL = get("IMAGE_BASE_URL", c.LLMBaseURL)
	c.ImageAPIKey = get("IMAGE_API_KEY", c.LLMAPIKey)
	var problems []string
	c.loadTrust(get, &problems)
	c.loadRateLimits(get, &problems)
	c.loadPlayground(get, &problems)
	c.loadBlob(get, &problems)
	grace, err := time.ParseDuration(get("KIRA_SHUTDOWN_TIMEOUT", "15s"))
	if err != nil {
		problems = append(problems, "KIRA_SHUTDOWN_TIMEOUT: not a duration (e.g. 15s)")
	}
	c.ShutdownGrace = grace
	for _, d := range []struct {
		key, def string
		dst      *time.Duration
	}{{"CMS_TIMEOUT", "3s", &c.CMSTimeout}, {"CMS_CACHE_TTL", "60s", &c.CMSCacheTTL}, {"LLM_TOKEN_DELAY", "15ms", &c.LLMTokenDelay},
		{"VIDEO_TIMEOUT", "30m", &c.Media.VideoTimeout}, {"MUSIC_TIMEOUT", "10m", &c.Media.MusicTimeout},
		{"TASK_SLOT_LEASE", "30s", &c.Media.SlotLease}, {"RUN_LEASE", "10s", &c.RunLease}} {
		v, err := time.ParseDuration(get(d.key, d.def))
		if err != nil {
			problems = append(problems, d.key+": not a duration (e.g. "+d.def+")")
		}
		*d.dst = v
	}
	for _, n := range []struct {
		key string
		dst *int
	}{{"VIDEO_CONCURRENCY", &c.Media.VideoConcurrency}, {"MUSIC_CONCURRENCY", &c.Media.MusicConcurrency}} {
		v, err := strconv.Atoi(get(n.key, "0"))
		if err != nil || v < 0 {
			problems = append(problems, n.key+": want a whole number ≥ 0 (0 = no cap)")
		}
		*n.dst = v
	}
	if v, err := strconv.Atoi(get("MEDIA_WORKERS", "8")); err != nil || v < 0 {
		problems = append(problems, "MEDIA_WORKERS: want a whole number ≥ 0 (0 = this process runs no video or music jobs)")
	} else {
		c.Media.Workers = v
	}
	for _, o := range strings.Split(get("CORS_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, strings.TrimRight(o, "/"))
		}
	}
	c.DefaultOrigins = defaultProductionOrigins
	if c.SupabaseURL != "" {
		if c.JWKSURL == "" {
			c.JWKSURL = c.SupabaseURL + "/auth/v1/.well-known/jwks.json"
		}
		if c.JWTIssuer == "" {
			c.JWTIssuer = c.SupabaseURL + "/auth/v1"
		}
	}
	if c.PublicURL == "" {
		c.PublicURL = defaultPublicURL(c.Addr)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.Mail.OutboxDir == "" {
		c.Mail.OutboxDir = filepath.Join(c.DataDir, "outbox")
	}
	if len(problems) > 0 {
		return c, &Error{Problems: problems}
	}
	return c, c.Validate()
}

func defaultPublicURL(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "http://localhost" + addr
	}
	return "http://" + addr
}

// Error lists every configuration problem at once, so an operator fixes
// them in one go instead of one restart per mistake.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Validate checks the whole configuration and reports every problem.
func (c Config) Validate() error {
	var p []string
	if c.Env != EnvDevelopment && c.Env != EnvProduction {
		p = append(p, fmt.Sprintf("KIRA_ENV: %q is neither development nor production", c.Env))
	}
	if c.Addr == "" || !strings.Contains(c.Addr, ":") {
		p = append(p, "KIRA_ADDR: want host:port or :port")
	}
	if c.DataDir == "" {
		p = append(p, "KIRA_DATA_DIR: must not be empty")
	}
	if c.DatabaseURL != "" && !isPostgresURL(c.DatabaseURL) {
		p = append(p, "DATABASE_URL: only postgres:// or postgresql:// URLs are supported (leave empty for SQLite)")
	}
	if c.RedisURL != "" && !hasScheme(c.RedisURL, "redis", "rediss") {
		p = append(p, "REDIS_URL: want redis:// or rediss://")
	}
	for name, v := range map[string]string{"SUPABASE_URL": c.SupabaseURL, "SUPABASE_JWKS_URL": c.JWKSURL, "KIRA_PUBLIC_URL": c.PublicURL, "CMS_URL": c.CMSURL} {
		if v != "" && !hasScheme(v, "http", "https") {
			p = append(p, name+": want an http(s) URL")
		}
	}
	if _, ok := logLevels[c.LogLevel]; !ok {
		p = append(p, "KIRA_LOG_LEVEL: want debug, info, warn or error")
	}
	for _, o := range c.CORSOrigins {
		if !hasScheme(strings.Replace(o, "*.", "x.", 1), "http", "https") {
			p = append(p, fmt.Sprintf("CORS_ORIGINS: %q is not an http(s) origin", o))
		}
	}
	if c.Env == EnvProduction {
		if c.JWKSURL == "" && c.JWTSecret == "" {
			p = append(p, "SUPABASE_URL or SUPABASE_JWKS_URL: required in production (the development key is for local use only)")
		}
		if c.AdminPassword != "" && len(c.AdminPassword) < 16 {
			p = append(p, "ADMIN_PASSWORD: use at least 16 characters in production")
		}
	}
	if c.ShutdownGrace < 0 {
		p = append(p, "KIRA_SHUTDOWN_TIMEOUT: must not be negative")
	}
	if c.RunLease < time.Second {
		p = append(p, "RUN_LEASE: at least 1s")
	}
	switch c.LLMProvider {
	case "local":
	case "openai":
		if c.LLMModel == "" {
			p = append(p, "LLM_MODEL: required with LLM_PROVIDER=openai")
		}
		if c.LLMBaseURL != "" && !hasScheme(c.LLMBaseURL, "http", "https") {
			p = append(p, "LLM_BASE_URL: want an http(s) URL")
		}
	default:
		p = append(p, fmt.Sprintf("LLM_PROVIDER: %q is neither local nor openai", c.LLMProvider))
	}
	if c.ImageProvider != "local" && c.ImageProvider != "openai" {
		p = append(p, fmt.Sprintf("IMAGE_PROVIDER: %q is neither local nor openai", c.ImageProvider))
	}
	if c.ImageProvider == "openai" && c.ImageModel == "" {
		p = append(p, "IMAGE_MODEL: required with IMAGE_PROVIDER=openai")
	}
	if c.CMSTimeout < 0 || c.CMSCacheTTL < 0 {
		p = append(p, "CMS_TIMEOUT, CMS_CACHE_TTL: must not be negative")
	}
	p = append(p, c.Media.problems()...)
	p = append(p, c.Realtime.problems()...)
	p = append(p, c.trustProblems()...)
	p = append(p, c.blobProblems()...)
	if len(p) > 0 {
		return &Error{Problems: p}
	}
	return nil
}

// Dev reports whether the server runs in development mode.
func (c Config) Dev() bool { return c.Env == EnvDevelopment }

// loadPlayground reads KIRA_PLAYGROUND, whose default depends on KIRA_ENV.
func (c *Config) loadPlayground(get func(key, def string) string, problems *[]string) {
	c.Playground = c.Dev()
	if v := get("KIRA_PLAYGROUND", ""); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			*problems = append(*problems, "KIRA_PLAYGROUND: not a boolean (true or false)")
		}
		c.Playground = on
	}
}

// DevTools reports whether the development-only routes (token minting,
// plan switch, credit grants) exist: development mode with the local
// signing key, i.e. no JWKS URL. One rule, so a server that trusts a real
// issuer never hands out its own tokens, whatever KIRA_ENV says.
func (c Config) DevTools() bool { return c.Dev() && c.JWKSURL == "" }

// SQLitePath is where the embedded database lives.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "kira.db") }

// AllowedOrigins is the production CORS allow-list: defaults plus CORS_ORIGINS.
func (c Config) AllowedOrigins() []string {
	return append(append([]string{}, c.DefaultOrigins...), c.CORSOrigins...)
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// SlogLevel is the configured log level.
func (c Config) SlogLevel() slog.Level { return logLevels[c.LogLevel] }

func isPostgresURL(s string) bool { return hasScheme(s, "postgres", "postgresql") }

func hasScheme(raw string, schemes ...string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return true
		}
	}
	return false
}

// LogValue redacts secrets so the whole config can be logged at start-up.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("env", c.Env),
		slog.String("data_dir", c.DataDir),
		slog.String("public_url", c.PublicURL),
		slog.String("database", redactURL(c.DatabaseURL, "sqlite:"+c.SQLitePath())),
		slog.String("redis", redactURL(c.RedisURL, "in-memory")),
		slog.String("jwks_url", orDefault(c.JWKSURL, "development key")),
		slog.String("jwt_issuer", c.JWTIssuer),
		slog.Bool("jwt_hs256_secret_set", c.JWTSecret != ""),
		slog.Bool("admin_password_set", c.AdminPassword != ""),
		slog.Bool("front_chat_secret_set", c.FrontChatKey != ""),
		slog.String("llm_provider", c.LLMProvider),
		slog.String("llm_model", c.LLMModel),
		slog.Bool("llm_api_key_set", c.LLMAPIKey != ""),
		slog.String("image_provider", c.ImageProvider),
		slog.String("video_provider", c.Media.VideoProvider),
		slog.String("music_provider", c.Media.MusicProvider),
		slog.String("realtime", orDefault(redactQuery(c.Realtime.CentrifugoAPIURL, ""), "embedded centrifuge")),
		slog.Bool("image_api_key_set", c.ImageAPIKey != ""),
		slog.String("cms_url", redactQuery(c.CMSURL, "content files")),
		slog.String("blob_backend", c.Blob.Backend), slog.String("s3_bucket", c.Blob.S3Bucket),
		slog.Any("cors_origins", c.CORSOrigins),
	)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// redactURL hides the password of a connection URL.
func redactURL(raw, empty string) string {
	if raw == "" {
		return empty
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}

// redactQuery also hides a URL's query, which may carry an access token
// (CMS_URL=https://cms.example/api?token=…).
func redactQuery(raw, empty string) string {
	s := redactURL(raw, empty)
	if base, _, ok := strings.Cut(s, "?"); ok && raw != "" {
		return base + "?redacted"
	}
	return s
}

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
