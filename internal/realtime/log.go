package realtime

import (
	"context"
	"log/slog"
	"slices"

	"github.com/centrifugal/centrifuge"
)

// Centrifuge's levels map to slog's with one shift: its Info level reports
// misbehaving clients (a refused subscribe, a bad frame), which is noise at
// a server's info level, so it lands at Debug. Trace, which dumps every
// frame, is never enabled.
var slogLevels = map[centrifuge.LogLevel]slog.Level{
	centrifuge.LogLevelDebug: slog.LevelDebug,
	centrifuge.LogLevelInfo:  slog.LevelDebug,
	centrifuge.LogLevelWarn:  slog.LevelWarn,
	centrifuge.LogLevelError: slog.LevelError,
}

// logLevelFor asks Centrifuge for no more than the logger keeps, so
// disabled entries are never built.
func logLevelFor(log *slog.Logger) centrifuge.LogLevel {
	ctx := context.Background()
	switch {
	case log.Enabled(ctx, slog.LevelDebug):
		return centrifuge.LogLevelDebug
	case log.Enabled(ctx, slog.LevelWarn):
		return centrifuge.LogLevelWarn
	case log.Enabled(ctx, slog.LevelError):
		return centrifuge.LogLevelError
	}
	return centrifuge.LogLevelNone
}

// logHandler forwards Centrifuge's entries to log with their fields as
// attributes, sorted so lines are stable.
func logHandler(log *slog.Logger) centrifuge.LogHandler {
	return func(e centrifuge.LogEntry) {
		level, ok := slogLevels[e.Level]
		if !ok {
			return
		}
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		attrs := make([]slog.Attr, 0, len(keys))
		for _, k := range keys {
			attrs = append(attrs, slog.Any(k, e.Fields[k]))
		}
		log.LogAttrs(context.Background(), level, "centrifuge: "+e.Message, attrs...)
	}
}
