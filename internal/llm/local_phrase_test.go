package llm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParaphraseForReply(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
		whole    bool
	}{
		// Imperatives and requests.
		{"draw a red fox in the snow", "a red fox in the snow", false},
		{"Draw a red fox in the snow.", "a red fox in the snow", false},
		{"Can you please draw me a red fox in the snow?", "a red fox in the snow", false},
		{"please paint a lighthouse in a storm", "a lighthouse in a storm", false},
		{"Hey Kira, could you draw a castle on a hill?", "a castle on a hill", false},
		{"Hi! Can you draw a cat?", "a cat", false},
		{"I want a picture of a cat wearing a tiny hat", "a cat wearing a tiny hat", false},
		{"i'd like to see a dragon flying over the US", "a dragon flying over the US", false},
		{"Show me the northern lights", "the northern lights", false},
		{"generate an image of a dragon. make it epic", "a dragon", false},
		{"Could you create a 16:9 image of mountains for me please", "mountains", false},
		{"pictures of cats", "cats", false},
		{"a wide beach at dusk, 16:9", "a wide beach at dusk", false},
		{"A lighthouse in a storm", "a lighthouse in a storm", false},
		{"Paris at night", "Paris at night", false},
		{`  "Please draw" a red fox in the snow at night`, "a red fox in the snow at night", false},
		{`draw "a red fox"`, "a red fox", false},
		// Videos.
		{"can you make a video of waves at sunset", "waves at sunset", false},
		{"Make a 10 second video of waves, 9:16", "waves", false},
		{"make a short 10s video of a cat chasing a laser", "a cat chasing a laser", false},
		{"waves at sunset video", "waves at sunset", false},
		{"a fox in the snow as a video", "a fox in the snow", false},
		{"animate this image", "this image", false},
		{"animate my photo", "your photo", false},
		{"can you generate a short video where a cat jumps over a fence", "a short video where a cat jumps over a fence", true},
		{"turn this photo into a video", "this photo into a video", true},
		{"make a video", "a video", true},
		{"a cat video", "a cat video", true},
		// Songs.
		{"make me a song about summer love", "summer love", false},
		{"a song about the sea", "the sea", false},
		{"sing about the ocean", "the ocean", false},
		{"write lyrics about my first car", "your first car", false},
		{"Write an instrumental song about rain", "an instrumental song about rain", true},
		{"compose a lullaby for my daughter", "a lullaby for your daughter", true},
		{"I need a jingle for my bakery", "a jingle for your bakery", true},
		{"music for studying", "music for studying", true},
		{"piano music", "piano music", true},
		{"a song", "a song", true},
		// Media that say more than "an image" stay.
		{"a realistic photo of a cat", "a realistic photo of a cat", true},
		{"an illustration of a fox", "an illustration of a fox", true},
		{"two images of a fox", "two images of a fox", true},
		{"I want you to create an anime style image of a girl", "an anime style image of a girl", true},
		// First person turned around, English only.
		{"draw me and my dog at the beach", "you and your dog at the beach", false},
		{"a portrait of me where I am flying", "a portrait of you where you are flying", true},
		{"draw my cat please", "your cat", false},
		{"draw us at our wedding", "you at your wedding", false},
		// Other languages.
		{"dessine-moi un mouton", "un mouton", false},
		{"dessine un renard roux dans la neige s'il te plaît", "un renard roux dans la neige", false},
		{"crée une image d'un renard dans la neige", "un renard dans la neige", false},
		{"peux-tu faire une vidéo de vagues au coucher du soleil", "vagues au coucher du soleil", false},
		{"zeichne mir einen roten Fuchs im Schnee", "einen roten Fuchs im Schnee", false},
		{"bitte erstelle ein Bild von einem Fuchs", "einem Fuchs", false},
		{"kannst du bitte ein Bild von einem Fuchs machen?", "einem Fuchs", false},
		{"puedes hacer una canción sobre el mar", "el mar", false},
		{"dibuja un zorro rojo en la nieve, por favor", "un zorro rojo en la nieve", false},
		{"haz un video de olas al atardecer", "olas al atardecer", false},
		{"dibuja un gato que me mira", "un gato que me mira", false},
		{"disegna una volpe rossa nella neve", "una volpe rossa nella neve", false},
		{"赤い狐を描いて", "赤い狐を描いて", false},
		// Odd input.
		{"", "", false},
		{"   \n\t ", "", false},
		{"hi", "", false},
		{"draw", "", false},
		{"please!!!", "", false},
		{"of of of", "", false},
		{"🦊🦊🦊", "🦊🦊🦊", false},
		{"draw 🦊 in the snow 🌨️", "🦊 in the snow 🌨️", false},
		{"make it blue", "make it blue", false},
		{"a cat " + imageIDForTest, "a cat", false},
		{"draw a cat\xff\xfe in a hat", "a cat in a hat", false},
	}
	for _, tc := range cases {
		got := paraphrase(tc.in, forReply)
		if got.text != tc.want || got.whole != tc.whole {
			t.Errorf("paraphrase(%q) = %q whole=%v, want %q whole=%v", tc.in, got.text, got.whole, tc.want, tc.whole)
		}
	}
}

const imageIDForTest = "insert_0b7c6a52-3f1e-4d2a-9c8b-5e6f7a8b9c0d"

func TestParaphraseEditKeepsTheVerb(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"can you make it blue please": "make it blue",
		"now make it blue":            "make it blue",
		"change the sky to purple":    "change the sky to purple",
		"please remove my ex":         "remove your ex",
		"Could you add a hat?":        "add a hat",
	} {
		if got := paraphrase(in, forReply|keepVerb); got.text != want || got.whole {
			t.Errorf("edit paraphrase(%q) = %+v, want %q", in, got, want)
		}
	}
}

func TestParaphraseIsBounded(t *testing.T) {
	t.Parallel()
	long := "draw " + strings.Repeat("a very long winding road through the hills and ", 40)
	got := paraphrase(long, forReply).text
	if n := len(strings.Fields(got)); n > maxPhraseWords || n < 5 {
		t.Errorf("%d words: %q", n, got)
	}
	if functionWords[wordKey(got[strings.LastIndexByte(got, ' ')+1:])] {
		t.Errorf("ends on a function word: %q", got)
	}
	cjk := paraphrase(strings.Repeat("狐", 500), forReply).text
	if n := utf8.RuneCountInString(cjk); n != maxPhraseRunes {
		t.Errorf("unbroken text cut to %d runes", n)
	}
}

func TestTextTitle(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"draw a red fox in the snow":                     "Red fox in the snow",
		"can you make a video of waves at sunset":        "Waves at sunset",
		`  "Please draw" a red fox in the snow at night`: "Red fox in the snow at night",
		"I want a picture of a cat wearing a tiny hat":   "Cat wearing a tiny hat",
		"compose a lullaby for my daughter":              "Lullaby for my daughter",
		"draw me and my dog at the beach":                "Me and my dog at the beach",
		"animate this":                                   "Animate this",
		"make a video":                                   "Make a video",
		"hi":                                             "Hi",
		"dessine un renard roux dans la neige":           "Renard roux dans la neige",
		"haz un video de olas al atardecer":              "Olas al atardecer",
		"iPhone wallpaper of a galaxy":                   "iPhone wallpaper of a galaxy",
		"赤い狐を描いて":                                        "赤い狐を描いて",
		"🦊":                                              "🦊",
		"":                                               "",
		"a cat sitting on a windowsill watching the rain all day": "Cat sitting on a windowsill watching",
	} {
		if got := textTitle(in); got != want {
			t.Errorf("textTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFilenameTitle(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"red-fox_in_snow.png":                        "Red fox in snow",
		"C:\\Users\\me\\Pictures\\Sunset Beach.jpeg": "Sunset Beach",
		"photos/2024/grandma's garden.HEIC":          "Grandma's garden",
		"IMG_2041.JPG":                               "",
		"Screenshot 2024-05-01 at 10.00.00.png":      "",
		"PXL_20240101_123456789.jpg":                 "",
		imageIDForTest:                               "",
		imageIDForTest + ".png":                      "",
		"a.png":                                      "",
		"":                                           "",
		"of the.png":                                 "",
	} {
		if got := filenameTitle(in); got != want {
			t.Errorf("filenameTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParaphrase: any input gives a bounded, valid, trimmed phrase and a
// bounded, valid title, without panicking.
func FuzzParaphrase(f *testing.F) {
	for _, s := range []string{"draw a red fox in the snow", "can you make a video of waves at sunset", "", "🦊",
		"\xff\xfe", "make me", "a picture of", "une image d'", "d'", "“quoted”", `"`, "I am", "a song ", strings.Repeat("of ", 50),
		"dessine-moi un mouton", "a\u200db", "MY US I", "x d’y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, mode := range []phraseMode{0, forReply, forReply | keepVerb} {
			p := paraphrase(s, mode).text
			if !utf8.ValidString(p) || strings.TrimSpace(p) != p {
				t.Fatalf("paraphrase(%q, %d) = %q", s, mode, p)
			}
			if len(strings.Fields(p)) > maxPhraseWords || utf8.RuneCountInString(p) > maxPhraseRunes {
				t.Fatalf("paraphrase(%q, %d) too long: %q", s, mode, p)
			}
		}
		for _, title := range []string{textTitle(s), filenameTitle(s), localTitle(Request{Messages: []Message{UserMessage(Text(s))}})} {
			if !utf8.ValidString(title) || utf8.RuneCountInString(title) > MaxTitleLen || strings.TrimSpace(title) != title {
				t.Fatalf("title of %q = %q", s, title)
			}
		}
	})
}
