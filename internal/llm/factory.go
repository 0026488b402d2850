package llm

import (
	"fmt"
	"net/http"
	"time"
)

// Config configures the providers. Reading it from the environment
// (LLM_BASE_URL, LLM_API_KEY, LLM_MODEL, LLM_THINKING_MODEL,
// LLM_TITLE_MODEL) is the config package's job.
type Config struct {
	// BaseURL of an OpenAI-compatible API, e.g. http://localhost:11434/v1.
	// Empty means OpenAI's.
	BaseURL string
	// APIKey is sent as a bearer token; may be empty for local servers.
	APIKey string
	// Model is the chat model (required for "openai").
	Model string
	// ThinkingModel serves requests with Thinking; empty means Model.
	ThinkingModel string
	// TitleModel writes thread titles; empty means Model.
	TitleModel string
	// HTTPClient is used for API calls; nil means the SDK's default. It
	// should have no overall Timeout: answers stream for minutes, and
	// requests are bounded by their context instead.
	HTTPClient *http.Client
	// TokenDelay is the local model's pause between streamed tokens: 0
	// means DefaultTokenDelay, negative means none.
	TokenDelay time.Duration
}

// New returns the provider called name: "local" (also "") or "openai".
func New(name string, cfg Config) (Model, error) {
	switch name {
	case "", "local":
		d := cfg.TokenDelay
		if d == 0 {
			d = DefaultTokenDelay
		}
		return NewLocal(max(d, 0)), nil
	case "openai":
		return NewOpenAI(cfg)
	default:
		return nil, fmt.Errorf("llm: unknown provider %q (want local or openai)", name)
	}
}
