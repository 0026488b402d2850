package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/centrifugal/centrifuge"
	"github.com/prometheus/client_golang/prometheus"
)

// VerifyFunc checks a user's access token and returns its user id and
// expiry. The app passes its JWT verifier. An error wrapping
// jwt.ErrTokenExpired (as the auth package's do) tells the client to fetch
// a new token; any other error refuses it. expiresAt must be set: every
// connection ends at its token's expiry unless refreshed.
type VerifyFunc func(ctx context.Context, token string) (userID string, expiresAt time.Time, err error)

// NodeConfig configures the embedded node.
type NodeConfig struct {
	// Verify authenticates connect and refresh tokens (required).
	Verify VerifyFunc
	// Logger receives Centrifuge's logs (nil: slog.Default()).
	Logger *slog.Logger
	// RedisURL, when set (redis://, rediss://, unix://), makes the node use
	// Centrifuge's Redis broker and presence manager so every instance on
	// the same Redis and Prefix reaches every client. Empty: in memory,
	// one instance.
	RedisURL string
	// Prefix starts every Redis key and pub/sub channel of the node
	// (empty: "kira:realtime"); instances share traffic only within one
	// prefix.
	Prefix string
	// AllowedOrigins, when non-empty, lists the Origin values (scheme://host
	// [:port]) browsers may open the websocket from. Empty allows any
	// origin: authentication is the token inside the connect command, never
	// a cookie, so a foreign page gains nothing a plain script could not.
	AllowedOrigins []string
	// Name tells nodes apart in logs and metrics (empty: the host name).
	Name string
	// Registry receives Centrifuge's Prometheus metrics (nil: a private
	// registry, so several nodes in one process do not collide).
	Registry *prometheus.Registry
	// ExpiredCloseDelay is the grace after a token's expiry before an
	// unrefreshed connection is closed (0: Centrifuge's 25 s).
	ExpiredCloseDelay time.Duration
}

// DefaultPrefix is the Redis prefix used when NodeConfig.Prefix is empty.
const DefaultPrefix = "kira:realtime"

// verifyTimeout bounds one token check, which may fetch a JWKS.
const verifyTimeout = 10 * time.Second

// Node is the embedded Centrifuge server: clients connect through Handler,
// the server publishes through Publish. Safe for concurrent use.
type Node struct {
	node    *centrifuge.Node
	cfg     NodeConfig
	log     *slog.Logger
	shards  []*centrifuge.RedisShard
	handler http.Handler

	running  atomic.Bool // between Start and Stop: Publish works
	stopOnce sync.Once
	stopErr  error
}

// ErrNotRunning is returned by Publish before Start and after Stop.
var ErrNotRunning = errors.New("realtime: node not running")

var _ Publisher = (*Node)(nil)

// NewNode builds a node; it connects to Redis (when configured) but serves
// and delivers nothing until Start.
func NewNode(cfg NodeConfig) (*Node, error) {
	if cfg.Verify == nil {
		return nil, errors.New("realtime: NodeConfig.Verify is required")
	}
	if err := checkOrigins(cfg.AllowedOrigins); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "realtime")
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	cn, err := centrifuge.New(centrifuge.Config{
		Name:                    cfg.Name,
		LogLevel:                logLevelFor(log),
		LogHandler:              logHandler(log),
		ClientExpiredCloseDelay: cfg.ExpiredCloseDelay,
		Metrics:                 centrifuge.MetricsConfig{RegistererGatherer: reg},
	})
	if err != nil {
		return nil, fmt.Errorf("realtime: node: %w", err)
	}
	n := &Node{node: cn, cfg: cfg, log: log}
	if cfg.RedisURL != "" {
		if err := n.useRedis(); err != nil {
			return nil, err
		}
	}
	cn.OnConnecting(n.connecting)
	cn.OnConnect(n.connected)
	n.handler = centrifuge.NewWebsocketHandler(cn, centrifuge.WebsocketConfig{
		CheckOrigin: originCheck(cfg.AllowedOrigins),
		// Connections are idle almost all the time and clients send a few
		// small commands, so per-connection buffers are kept small: a pooled
		// write buffer, a 1 KiB read buffer (larger frames still work) and
		// command processing off the read loop's stack: about 26 KB down to
		// 18 KB per idle connection (BENCHMARKS.md).
		UseWriteBufferPool:         true,
		ReadBufferSize:             1024,
		ProcessCommandsOffReadLoop: true,
	})
	return n, nil
}

// Handler serves the Centrifugo client protocol over websocket (the JSON
// and Protobuf variants); the app mounts it at GET /connection/websocket.
func (n *Node) Handler() http.Handler { return n.handler }

// Start runs the node: broker subscriptions, node discovery, metrics.
func (n *Node) Start() error {
	if err := n.node.Run(); err != nil {
		return fmt.Errorf("realtime: start: %w", err)
	}
	n.running.Store(true)
	return nil
}

// Stop disconnects every client (they reconnect elsewhere), leaves the
// broker and closes the Redis connections, within ctx. Later calls return
// the first call's result.
func (n *Node) Stop(ctx context.Context) error {
	n.stopOnce.Do(func() {
		n.running.Store(false)
		n.stopErr = n.node.Shutdown(ctx)
		for _, s := range n.shards {
			s.Close()
		}
	})
	return n.stopErr
}

// Publish sends data, a JSON object, to the channel's subscribers on every
// node sharing the broker.
func (n *Node) Publish(ctx context.Context, channel string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !n.running.Load() {
		return ErrNotRunning // the broker has no handler yet, or is closed
	}
	if channel == "" {
		return errors.New("realtime: publish: empty channel")
	}
	if err := checkData(data); err != nil {
		return err
	}
	if _, err := n.node.Publish(channel, data); err != nil {
		return fmt.Errorf("realtime: publish: %w", err)
	}
	return nil
}

// useRedis swaps the in-memory broker and presence manager for Redis ones.
func (n *Node) useRedis() error {
	shard, err := centrifuge.NewRedisShard(n.node, centrifuge.RedisShardConfig{Address: n.cfg.RedisURL})
	if err != nil {
		return fmt.Errorf("realtime: redis: %w", err)
	}
	n.shards = []*centrifuge.RedisShard{shard}
	prefix := n.cfg.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	broker, err := centrifuge.NewRedisBroker(n.node, centrifuge.RedisBrokerConfig{Prefix: prefix, Shards: n.shards})
	if err != nil {
		shard.Close()
		return fmt.Errorf("realtime: redis broker: %w", err)
	}
	presence, err := centrifuge.NewRedisPresenceManager(n.node, centrifuge.RedisPresenceManagerConfig{Prefix: prefix, Shards: n.shards})
	if err != nil {
		shard.Close()
		return fmt.Errorf("realtime: redis presence: %w", err)
	}
	n.node.SetBroker(broker)
	n.node.SetPresenceManager(presence)
	return nil
}

// checkOrigins rejects allowed origins that could never match a browser's
// Origin header, so a typo fails start-up instead of every connection.
func checkOrigins(origins []string) error {
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("realtime: allowed origin %q is not scheme://host[:port]", o)
		}
	}
	return nil
}

// originCheck allows requests without Origin (non-browser clients) and,
// when origins are listed, browsers on exactly those origins.
func originCheck(origins []string) func(*http.Request) bool {
	if len(origins) == 0 {
		return func(*http.Request) bool { return true }
	}
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	return func(r *http.Request) bool {
		o := r.Header.Get("Origin")
		return o == "" || allowed[strings.ToLower(o)]
	}
}
