package media

import "testing"

func TestNewProviders(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"": "local", "local": "local", "seedance": "seedance"} {
		p, err := NewVideoProvider(name, VideoConfig{Local: LocalVideoOptions{ForceGo: true},
			Seedance: SeedanceConfig{APIKey: "k", Model: "m"}})
		if err != nil || p.Name() != want {
			t.Errorf("video %q: %v %v", name, p, err)
		}
	}
	for name, want := range map[string]string{"": "local", "local": "local", "suno": "suno"} {
		p, err := NewMusicProvider(name, MusicConfig{Suno: SunoConfig{APIKey: "k"}})
		if err != nil || p.Name() != want {
			t.Errorf("music %q: %v %v", name, p, err)
		}
	}
	if _, err := NewVideoProvider("grok", VideoConfig{}); err == nil {
		t.Error("unknown video provider accepted")
	}
	if _, err := NewMusicProvider("udio", MusicConfig{}); err == nil {
		t.Error("unknown music provider accepted")
	}
	if _, err := NewVideoProvider("seedance", VideoConfig{}); err == nil {
		t.Error("seedance without a key accepted")
	}
}
