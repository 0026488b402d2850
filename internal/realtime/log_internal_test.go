package realtime

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/centrifugal/centrifuge"
)

func TestLogBridge(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := logHandler(log)
	h(centrifuge.LogEntry{Level: centrifuge.LogLevelWarn, Message: "slow", Fields: map[string]any{"client": "c1", "n": 3}})
	h(centrifuge.LogEntry{Level: centrifuge.LogLevelInfo, Message: "client command error"})
	h(centrifuge.LogEntry{Level: centrifuge.LogLevelTrace, Message: "frame"})
	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (trace dropped): %s", len(lines), buf.String())
	}
	if w := lines[0]; w["level"] != "WARN" || w["msg"] != "centrifuge: slow" || w["client"] != "c1" || w["n"] != 3.0 {
		t.Errorf("warn line %v", w)
	}
	if lines[1]["level"] != "DEBUG" {
		t.Errorf("centrifuge info logged at %v, want DEBUG", lines[1]["level"])
	}
	for level, want := range map[slog.Level]centrifuge.LogLevel{
		slog.LevelDebug: centrifuge.LogLevelDebug, slog.LevelInfo: centrifuge.LogLevelWarn,
		slog.LevelWarn: centrifuge.LogLevelWarn, slog.LevelError: centrifuge.LogLevelError, slog.LevelError + 1: centrifuge.LogLevelNone,
	} {
		l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
		if got := logLevelFor(l); got != want {
			t.Errorf("logger at %v: centrifuge level %v, want %v", level, got, want)
		}
	}
}
