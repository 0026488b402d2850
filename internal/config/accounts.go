package config

import (
	"fmt"
	"strconv"
	"time"
)

// MailConfig configures transactional mail (internal/mail, internal/notify).
type MailConfig struct {
	SMTPURL string // SMTP_URL: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465; empty = the outbox
	From    string // MAIL_FROM, default "Kira <no-reply@kira.art>"
	// OutboxDir is where the outbox writes one .eml per message when
	// SMTP_URL is empty: MAIL_OUTBOX_DIR, default $KIRA_DATA_DIR/outbox.
	OutboxDir string
	// AppURL is the web client's base, the target of the mails' buttons
	// (KIRA_APP_URL, default https://kira.art).
	AppURL string
	// UnsubscribeSecret keys the signed unsubscribe links
	// (MAIL_UNSUBSCRIBE_SECRET); empty = derived from the URL signing key
	// in $KIRA_DATA_DIR, which instances sharing a data directory share.
	UnsubscribeSecret string
}

// AccountsConfig configures scheduled account deletion and the third-party
// clean-ups of a hard delete.
type AccountsConfig struct {
	DeletionGrace    time.Duration // ACCOUNT_DELETION_GRACE, default 720h: request → hard delete
	DeletionReminder time.Duration // ACCOUNT_DELETION_REMINDER, default 72h: reminder mail this long before
	StripeSecretKey  string        // STRIPE_SECRET_KEY; empty = no Stripe clean-up
	StripeAPIBase    string        // STRIPE_API_BASE; empty = https://api.stripe.com (tests point it at a local server)
	// SupabaseServiceRoleKey enables deleting the auth user through
	// SUPABASE_URL's admin API (SUPABASE_SERVICE_ROLE_KEY).
	SupabaseServiceRoleKey string
}

// AnalyticsConfig configures PostHog (product events, person deletion) and
// Sentry (error reporting). Everything is off when unset.
type AnalyticsConfig struct {
	PostHogAPIKey string // POSTHOG_API_KEY: the project key events are captured with
	// PostHogPersonalAPIKey authorizes person deletion (PostHog's private
	// API needs a personal key): POSTHOG_PERSONAL_API_KEY, default
	// POSTHOG_API_KEY.
	PostHogPersonalAPIKey string
	PostHogHost           string // POSTHOG_HOST, default https://us.i.posthog.com
	PostHogProjectID      string // POSTHOG_PROJECT_ID; required for person deletion
	SentryDSN             string // SENTRY_DSN
}

// ModerationConfig picks the content checker: the local block list alone,
// or an OpenAI-compatible moderation API combined with it.
type ModerationConfig struct {
	Provider      string        // MODERATION_PROVIDER: local (default) or openai
	BaseURL       string        // MODERATION_BASE_URL, default https://api.openai.com/v1
	APIKey        string        // MODERATION_API_KEY; required with openai
	Model         string        // MODERATION_MODEL, default omni-moderation-latest
	CSAMThreshold float64       // MODERATION_CSAM_THRESHOLD: sexual/minors score at or above which content is CSAM (default 0.5)
	Timeout       time.Duration // MODERATION_TIMEOUT, default 10s
}

// DownloadConfig bounds watermarking.
type DownloadConfig struct {
	VideoTimeout     time.Duration // WATERMARK_VIDEO_TIMEOUT, default 5m: one ffmpeg run
	VideoConcurrency int           // WATERMARK_VIDEO_CONCURRENCY, default 2: ffmpeg runs at once per process
}

// loadTrust reads the settings of mail, accounts, analytics, moderation and
// downloads; it appends what is malformed to problems.
func (c *Config) loadTrust(get func(key, def string) string, problems *[]string) {
	c.Mail = MailConfig{SMTPURL: get("SMTP_URL", ""), From: get("MAIL_FROM", "Kira <no-reply@kira.art>"),
		OutboxDir: get("MAIL_OUTBOX_DIR", ""), AppURL: trimSlash(get("KIRA_APP_URL", "https://kira.art")),
		UnsubscribeSecret: get("MAIL_UNSUBSCRIBE_SECRET", "")}
	c.Accounts = AccountsConfig{StripeSecretKey: get("STRIPE_SECRET_KEY", ""), StripeAPIBase: trimSlash(get("STRIPE_API_BASE", "")),
		SupabaseServiceRoleKey: get("SUPABASE_SERVICE_ROLE_KEY", "")}
	c.Analytics = AnalyticsConfig{PostHogAPIKey: get("POSTHOG_API_KEY", ""), PostHogHost: trimSlash(get("POSTHOG_HOST", "https://us.i.posthog.com")),
		PostHogProjectID: get("POSTHOG_PROJECT_ID", ""), SentryDSN: get("SENTRY_DSN", "")}
	c.Analytics.PostHogPersonalAPIKey = get("POSTHOG_PERSONAL_API_KEY", c.Analytics.PostHogAPIKey)
	c.Moderation = ModerationConfig{Provider: get("MODERATION_PROVIDER", "local"), BaseURL: trimSlash(get("MODERATION_BASE_URL", "https://api.openai.com/v1")),
		APIKey: get("MODERATION_API_KEY", ""), Model: get("MODERATION_MODEL", "omni-moderation-latest")}
	for _, d := range []struct {
		key, def string
		dst      *time.Duration
	}{{"ACCOUNT_DELETION_GRACE", "720h", &c.Accounts.DeletionGrace}, {"ACCOUNT_DELETION_REMINDER", "72h", &c.Accounts.DeletionReminder},
		{"MODERATION_TIMEOUT", "10s", &c.Moderation.Timeout}, {"WATERMARK_VIDEO_TIMEOUT", "5m", &c.Downloads.VideoTimeout}} {
		v, err := time.ParseDuration(get(d.key, d.def))
		if err != nil || v <= 0 {
			*problems = append(*problems, d.key+": want a positive duration (e.g. "+d.def+")")
		}
		*d.dst = v
	}
	th, err := strconv.ParseFloat(get("MODERATION_CSAM_THRESHOLD", "0.5"), 64)
	if err != nil || !(th > 0 && th <= 1) {
		*problems = append(*problems, "MODERATION_CSAM_THRESHOLD: want a number in (0, 1]")
	}
	c.Moderation.CSAMThreshold = th
	n, err := strconv.Atoi(get("WATERMARK_VIDEO_CONCURRENCY", "2"))
	if err != nil || n < 1 {
		*problems = append(*problems, "WATERMARK_VIDEO_CONCURRENCY: want a whole number ≥ 1")
	}
	c.Downloads.VideoConcurrency = n
}

func (c Config) trustProblems() []string {
	var p []string
	if c.Accounts.DeletionReminder >= c.Accounts.DeletionGrace {
		p = append(p, "ACCOUNT_DELETION_REMINDER: must be shorter than ACCOUNT_DELETION_GRACE")
	}
	switch c.Moderation.Provider {
	case "local":
	case "openai":
		if c.Moderation.APIKey == "" && !c.Dev() {
			p = append(p, "MODERATION_API_KEY: required with MODERATION_PROVIDER=openai")
		}
	default:
		p = append(p, fmt.Sprintf("MODERATION_PROVIDER: %q is neither local nor openai", c.Moderation.Provider))
	}
	for name, v := range map[string]string{"MODERATION_BASE_URL": c.Moderation.BaseURL, "STRIPE_API_BASE": c.Accounts.StripeAPIBase,
		"POSTHOG_HOST": c.Analytics.PostHogHost, "KIRA_APP_URL": c.Mail.AppURL} {
		if v != "" && !hasScheme(v, "http", "https") {
			p = append(p, name+": want an http(s) URL")
		}
	}
	if c.Mail.SMTPURL != "" && !hasScheme(c.Mail.SMTPURL, "smtp", "smtps") {
		p = append(p, "SMTP_URL: want smtp://… or smtps://…")
	}
	if c.Accounts.SupabaseServiceRoleKey != "" && c.SupabaseURL == "" {
		p = append(p, "SUPABASE_SERVICE_ROLE_KEY: needs SUPABASE_URL")
	}
	return p
}
