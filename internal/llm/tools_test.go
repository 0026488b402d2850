package llm_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/pb33f/jsonschema/v6"

	"github.com/kira-art/kira/internal/llm"
)

// validateArgs checks args against the named tool's schema with a real
// JSON Schema validator.
func validateArgs(t *testing.T, tool string, args json.RawMessage) error {
	t.Helper()
	for _, tl := range llm.Tools() {
		if tl.Name != tool {
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(tl.Parameters))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("mem://"+tool+".json", doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("mem://" + tool + ".json")
		if err != nil {
			t.Fatalf("schema of %s does not compile: %v", tool, err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(args))
		if err != nil {
			return err
		}
		return sch.Validate(inst)
	}
	t.Fatalf("no tool %s", tool)
	return nil
}

func TestToolsMatchAPISpec(t *testing.T) {
	t.Parallel()
	type schema struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	want := map[string]struct{ props, required []string }{
		llm.ToolGenerateImage: {[]string{"prompt", "ratio", "model", "count", "seed"}, []string{"prompt"}},
		llm.ToolEditImage:     {[]string{"imageId", "prompt"}, []string{"imageId", "prompt"}},
		llm.ToolGenerateVideo: {[]string{"prompt", "sourceImageId", "duration", "ratio"}, []string{"prompt", "duration", "ratio"}},
		llm.ToolGenerateMusic: {[]string{"prompt", "lyrics", "style", "instrumental"}, []string{"prompt"}},
	}
	tools := llm.Tools()
	if len(tools) != len(want) {
		t.Fatalf("%d tools", len(tools))
	}
	for _, tl := range tools {
		w, ok := want[tl.Name]
		if !ok || tl.Description == "" {
			t.Fatalf("unexpected tool %q / empty description", tl.Name)
		}
		var s schema
		if err := json.Unmarshal(tl.Parameters, &s); err != nil {
			t.Fatal(err)
		}
		if s.Type != "object" || len(s.Properties) != len(w.props) {
			t.Errorf("%s: type %q, %d properties", tl.Name, s.Type, len(s.Properties))
		}
		for _, p := range w.props {
			if _, ok := s.Properties[p]; !ok {
				t.Errorf("%s: missing property %s", tl.Name, p)
			}
		}
		if !equalStrings(s.Required, w.required) {
			t.Errorf("%s: required %v, want %v", tl.Name, s.Required, w.required)
		}
	}
	// Tools returns copies: editing one must not change the next call.
	tools[0].Parameters[0] = 'x'
	if llm.Tools()[0].Parameters[0] != '{' {
		t.Error("Tools shares its schema bytes")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestToolSchemasEnforceEnumsAndBounds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tool, args string
		ok         bool
	}{
		{llm.ToolGenerateImage, `{"prompt":"cat"}`, true},
		{llm.ToolGenerateImage, `{"prompt":"cat","ratio":"4:3","model":"ultra","count":4,"seed":7}`, true},
		{llm.ToolGenerateImage, `{"prompt":"cat","count":5}`, false},
		{llm.ToolGenerateImage, `{"prompt":"cat","count":0}`, false},
		{llm.ToolGenerateImage, `{"prompt":"cat","model":"mega"}`, false},
		{llm.ToolGenerateImage, `{"prompt":"cat","ratio":"wide"}`, false},
		{llm.ToolGenerateImage, `{"prompt":"cat","seed":-1}`, false},
		{llm.ToolGenerateImage, `{"prompt":""}`, false},
		{llm.ToolGenerateImage, `{"ratio":"1:1"}`, false},
		{llm.ToolGenerateImage, `{"prompt":"cat","extra":1}`, false},
		{llm.ToolEditImage, `{"imageId":"gen_1","prompt":"blue"}`, true},
		{llm.ToolEditImage, `{"prompt":"blue"}`, false},
		{llm.ToolGenerateVideo, `{"prompt":"waves","duration":5,"ratio":"auto"}`, true},
		{llm.ToolGenerateVideo, `{"prompt":"waves","sourceImageId":"gen_1","duration":10,"ratio":"9:16"}`, true},
		{llm.ToolGenerateVideo, `{"prompt":"waves","duration":7,"ratio":"auto"}`, false},
		{llm.ToolGenerateVideo, `{"prompt":"waves","duration":5,"ratio":"4:3"}`, false},
		{llm.ToolGenerateVideo, `{"prompt":"waves","ratio":"auto"}`, false},
		{llm.ToolGenerateMusic, `{"prompt":"jazz","lyrics":"la la","style":"swing","instrumental":false}`, true},
		{llm.ToolGenerateMusic, `{"prompt":"jazz","instrumental":"yes"}`, false},
	}
	for _, tc := range cases {
		err := validateArgs(t, tc.tool, json.RawMessage(tc.args))
		if (err == nil) != tc.ok {
			t.Errorf("%s %s: valid=%v, want %v (%v)", tc.tool, tc.args, err == nil, tc.ok, err)
		}
	}
}

func TestCleanTitle(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`"Cats in Space."`:                          "Cats in Space",
		"Title: **Sunset Over Tokyo**\nExplanation": "Sunset Over Tokyo",
		"\n\n  “Don't Stop”  ":                      "Don't Stop",
		"'single quoted'":                           "single quoted",
		"A very long title that keeps going and going well past the sixty character limit": "A very long title that keeps going and going well past the",
		strings60x("x"): strings60x("x")[:60],
		"":              "",
		"  \"\"  ":      "",
	}
	for in, want := range cases {
		got := llm.CleanTitle(in)
		if got != want {
			t.Errorf("CleanTitle(%q) = %q, want %q", in, got, want)
		}
		if len([]rune(got)) > llm.MaxTitleLen {
			t.Errorf("CleanTitle(%q) too long", in)
		}
	}
}

func strings60x(s string) string { return string(bytes.Repeat([]byte(s), 80)) }

func TestNew(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "local"} {
		m, err := llm.New(name, llm.Config{})
		if err != nil || m.Name() != "local" {
			t.Errorf("New(%q) = %v, %v", name, m, err)
		}
	}
	if _, err := llm.New("openai", llm.Config{}); err == nil {
		t.Error("openai without a model accepted")
	}
	if _, err := llm.New("openai", llm.Config{Model: "m", BaseURL: "ftp://x"}); err == nil {
		t.Error("bad base URL accepted")
	}
	m, err := llm.New("openai", llm.Config{Model: "gpt-x"})
	if err != nil || m.Name() != "openai:gpt-x" {
		t.Errorf("openai: %v %v", m, err)
	}
	if _, err := llm.New("anthropic", llm.Config{}); err == nil {
		t.Error("unknown provider accepted")
	}
}
