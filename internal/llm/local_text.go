package llm

import (
	"encoding/binary"
	"hash/fnv"
	"strings"
)

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

// tokens splits s into word tokens that keep their leading space, so the
// concatenated deltas equal s.
func tokens(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == ' ' && i > start && s[i-1] != ' ' {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// splitN cuts s into at most n pieces of similar length on rune boundaries.
func splitN(s string, n int) []string {
	r := []rune(s)
	n = max(1, min(n, len(r)))
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, string(r[i*len(r)/n:(i+1)*len(r)/n]))
	}
	return out
}

func hashOf(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return binary.BigEndian.Uint64(h.Sum(nil))
}

// inputTokens is a rough, deterministic token count of the request.
func inputTokens(req Request) int {
	n := 0
	for _, m := range req.Messages {
		n += len(strings.Fields(m.Text())) + 4
		for _, c := range m.ToolCalls {
			n += len(c.Args) / 4
		}
	}
	return n
}
