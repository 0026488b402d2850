package seed

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// Word lists the demo content is assembled from. They are combined, so a
// few dozen entries each give tens of thousands of distinct prompts.
var (
	firstNames = []string{"Ava", "Noah", "Mia", "Liam", "Yuki", "Hana", "Mateo", "Sofia", "Aarav", "Zoe", "Lucas",
		"Chloe", "Kenji", "Amara", "Elena", "Omar", "Ines", "Felix", "Nora", "Ravi", "Lea", "Diego", "Sakura",
		"Jonas", "Maya", "Arjun", "Clara", "Hugo", "Aylin", "Ethan", "Mina", "Tariq", "Freya", "Leo", "Isla",
		"Daniel", "Camila", "Min-jun", "Seo-yeon", "Wei", "Lin", "Marta", "Pablo", "Anya", "Ivan", "Olga"}
	handles = []string{"pixel", "dream", "neon", "studio", "lens", "draws", "art", "makes", "sketch", "ink", "glow",
		"frames", "muse", "brush", "tones", "waves", "crafts", "visions", "palette", "lab"}

	subjects = []string{"a red fox sleeping in fresh snow", "an old lighthouse on a stormy cliff",
		"a tiny robot watering a bonsai", "a koi pond under cherry blossoms", "a cyberpunk street market at night",
		"a lone astronaut on a pink desert planet", "a cozy reading nook with a sleeping cat",
		"a dragon made of autumn leaves", "a floating island with waterfalls", "a vintage train crossing a viaduct",
		"a jellyfish drifting through a neon city", "a samurai under falling maple leaves",
		"a mountain village at blue hour", "a whale swimming through clouds", "a greenhouse full of glowing plants",
		"a portrait of an elderly fisherman", "a bowl of ramen with steam rising", "a fox spirit in a bamboo forest",
		"a desert caravan at sunset", "a steampunk airship above the sea", "an owl wearing tiny glasses",
		"a rainy Tokyo crosswalk", "a castle on a frozen lake", "a hummingbird made of stained glass",
		"a surfer riding a giant wave", "a snowy cabin with warm windows", "a field of sunflowers under a storm",
		"a girl flying a kite on a windy hill", "a sleeping giant covered in moss", "a deep sea diver meeting an octopus",
		"a futuristic tea house", "a wolf howling at two moons", "a library spiralling into the sky",
		"a street musician playing violin in the rain", "a butterfly garden inside a glass dome",
		"a paper boat on a flooded street", "a panda chef making dumplings", "a meteor shower over the desert",
		"a tram climbing a hill in Lisbon", "an ancient temple swallowed by jungle"}
	styles = []string{"watercolor", "oil painting", "studio ghibli style", "cinematic photo", "isometric 3D render",
		"ukiyo-e woodblock print", "pixel art", "charcoal sketch", "low-poly", "art nouveau poster",
		"35mm film photo", "gouache illustration", "vaporwave", "claymation", "children's book illustration",
		"hyperrealistic", "ink wash painting", "synthwave", "paper cut-out", "impressionist painting"}
	moods = []string{"soft morning light", "golden hour", "dramatic lighting", "pastel colors", "moody fog",
		"vibrant colors", "muted tones", "high contrast", "dreamy atmosphere", "rim light", "volumetric light",
		"cozy and warm", "cold blue palette", "backlit", "overcast"}
	songStyles = []string{"lofi hip hop", "synthwave", "acoustic folk", "cinematic orchestral", "city pop",
		"ambient", "indie rock", "bossa nova", "chiptune", "jazz piano", "dream pop", "k-pop ballad"}
	lyricLines = []string{"neon lights are calling me home", "we were dancing in the rain", "stars above the quiet sea",
		"hold the moment, don't let go", "every road leads back to you", "the city hums a lullaby",
		"paper planes across the sky", "summer fades but we remain"}
	assistantOpeners = []string{"Here you go!", "Here's what I made:", "I gave it a try:", "Fresh from the studio:",
		"How about this?", "Done. Take a look:"}
	videoAsks = []string{"animate this with a slow camera push", "make it move, gentle wind",
		"turn it into a short clip with drifting clouds", "add a slow parallax pan"}
	musicAsks = []string{"write a song about it", "make a soundtrack for this scene", "compose a short theme for it"}
	ratios    = []string{"1:1", "1:1", "3:4", "4:3", "16:9", "9:16"}
)

// pick returns a random element.
func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// prompt is an image prompt: subject, style, mood.
type prompt struct {
	subject, style, mood string
}

func newPrompt(r *rand.Rand) prompt {
	return prompt{subject: pick(r, subjects), style: pick(r, styles), mood: pick(r, moods)}
}

func (p prompt) String() string { return p.subject + ", " + p.style + ", " + p.mood }

// title is what the title model would name a thread about p.
func (p prompt) title() string {
	words := strings.Fields(p.subject)
	if len(words) > 1 && (words[0] == "a" || words[0] == "an") {
		words = words[1:]
	}
	t := strings.Join(words, " ")
	r := []rune(t)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
