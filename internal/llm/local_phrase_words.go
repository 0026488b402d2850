package llm

import "strings"

// The word lists the local model's paraphrase works with. Entries are
// lower case, compared with wordKey's form of each word; a "|" separates
// entries and a space separates the words of one entry. English comes
// first, then French, Spanish, German, Italian and Portuguese: the
// languages users most often write to the scripted demo in.

// Greetings, politeness and request openings: dropped from the start of
// any request, edits too ("can you make it blue" → "make it blue").
var (
	openers = phraseSet(englishOpenerList, otherOpenerList)
	// englishOpeners mark a request as English, which is when first-person
	// words are turned around.
	englishOpeners = phraseSet(englishOpenerList)
)

const englishOpenerList = "hey|hi|hello|hiya|yo|ok|okay|alright|so|now|please|pls|plz|kindly|kira|hey kira|just|" +
	"quickly|also|then|and|oh|um|uh|well|next|good morning|good afternoon|good evening|" +
	"can you|could you|would you|will you|can u|could u|would u|would you mind|can i have|can i get|could i have|" +
	"could i get|may i have|can i see|could i see|i want|i want you to|i want to|i want to see|i want to hear|" +
	"i'd like|i'd like you to|i'd like to|i'd like to see|i'd like to hear|id like|i would like|i would like you to|" +
	"i would like to|i would like to see|i'd love|i'd love you to|i'd love to see|i would love|i need|i need you to|" +
	"i wanna|i wanna see|let's|lets|let us|let me see|let me have|let me hear|help me|help me to|try to|" +
	"go ahead and|how about|what about|time to|i'm looking for|i am looking for|im looking for"

const otherOpenerList = "salut|bonjour|coucou|stp|svp|s'il te plaît|s'il vous plaît|s'il te plait|peux-tu|" +
	"pourrais-tu|tu peux|est-ce que tu peux|je veux|je voudrais|j'aimerais|hola|por favor|puedes|podrías|podrias|" +
	"me puedes|quiero|me gustaría|me gustaria|necesito|hallo|bitte|kannst du|könntest du|ich möchte|ich will|" +
	"ich hätte gern|ich hätte gerne|ciao|per favore|puoi|potresti|voglio|vorrei|olá|ola|oi|você pode|voce pode|" +
	"pode|quero|gostaria|eu quero"

// Imperative verbs that open a creative request; dropped when the reply
// names what is being made ("draw a fox" → "a fox").
var verbs = phraseSet(
	"draw|paint|make|create|generate|render|produce|design|sketch|illustrate|imagine|visualize|visualise|show|give|"+
		"get|do|compose|write|sing|play|film|shoot|animate|craft|build|depict|come up with|put together|whip up|"+
		"cook up|turn|bring|send",
	"dessine|dessine-moi|peins|peins-moi|fais|fais-moi|crée|crée-moi|cree|génère|génère-moi|genere|compose-moi|"+
		"écris|écris-moi|montre-moi|anime|dibuja|dibújame|dibujame|pinta|píntame|haz|hazme|crea|créame|creame|"+
		"genera|genérame|compón|componme|escribe|escríbeme|muéstrame|muestrame|imagina|anima|zeichne|male|mach|"+
		"mache|erstelle|erzeuge|generiere|komponiere|schreib|schreibe|zeig|zeige|disegna|disegnami|dipingi|fai|"+
		"fammi|creami|componi|scrivi|mostrami|immagina|desenhe|desenha|pinte|faça|faca|faz|crie|cria|gere|gera|"+
		"componha|escreva|mostre|me mostre|"+
		// Infinitives after a modal opener ("peux-tu faire", "puedes hacer").
		"faire|créer|creer|dessiner|générer|generer|peindre|composer|écrire|ecrire|hacer|crear|dibujar|generar|"+
		"pintar|componer|escribir|fare|creare|disegnare|generare|dipingere|comporre|scrivere|fazer|criar|desenhar|"+
		"gerar|pintar|compor|escrever",
)

// keepVerbBefore: "make it blue" is an instruction, not "make" + subject.
var (
	keepVerbs      = words("make turn do get")
	keepVerbBefore = words("it them him her its")
)

// objectPronouns follow a verb ("draw me a cat", "zeichne mir einen
// Fuchs") and go with it when a determiner or a medium comes next.
var objectPronouns = words("me us mir uns")

// Requests end with these as often as they start with openers.
var closers = phraseSet(
	"please|pls|plz|for me|for us|thanks|thank you|thx|ty|now|asap|right now|if you can|if possible|",
	"por favor|bitte|stp|svp|s'il te plaît|s'il vous plaît|s'il te plait|per favore|merci|gracias|danke|grazie|obrigado|"+
		// German puts the verb last: "kannst du ein Bild von einem Fuchs machen".
		"machen|erstellen|zeichnen|malen|generieren|erzeugen|komponieren|schreiben|zeigen",
)

// articles are dropped from the start of a title ("a red fox" → "Red fox").
var articles = words("a an the un une le la les l' el los las una unos unas ein eine einen einem einer der die das " +
	"den dem uno lo il gli um uma o os des du")

// determiners may stand before a pronoun object's noun ("draw me a cat");
// the quantities among them ("two images of") keep a medium in the reply.
var determiners = union(articles, words("some another any one two three four five few several this that these "+
	"those my our your his her their its mon ma mes mi mis mein meine meinen mio mia meu minha quelques einige"))

// stripDeterminers may stand before a generic medium that is dropped.
var stripDeterminers = union(articles, words("some any another"))

// definite words before a trailing medium make it the source, not the
// product: "animate this image" → "a video of this image".
var definite = words("the this that these those my our your his her their its attached uploaded same previous last")

// genericMedia are the plain names of what the tools make; "a picture of
// X" is just X. The media words in the tool pickers (videoWords …) decide
// the tool; these only shape the reply.
var genericMedia = words("image images img picture pictures pic pics photo photos photograph photographs foto fotos " +
	"imagen imágenes imagenes bild bilder immagine immagini imagem imagens video videos vid vids clip clips vidéo " +
	"vidéos vídeo vídeos song songs music track tracks tune tunes lyrics chanson chansons musique canción canciones " +
	"cancion música musica lied lieder musik canzone canzoni audio")

// styleMedia say more than "image" and stay in the reply: "a watercolor
// painting of a fox".
var styleMedia = words("portrait portraits drawing drawings painting paintings illustration illustrations sketch " +
	"sketches logo logos poster posters wallpaper wallpapers cartoon cartoons comic comics meme memes icon icons " +
	"avatar avatars sticker stickers banner banners render rendering lullaby lullabies ballad ballads anthem anthems " +
	"jingle jingles soundtrack soundtracks melody melodies animation animations trailer trailers movie movies film " +
	"films footage timelapse time-lapse gif scene selfie mural collage infographic thumbnail cover beat beats " +
	"instrumental symphony rap hymn ode score dessin peinture dibujo pintura zeichnung gemälde disegno dipinto desenho " +
	"retrato porträt ritratto")

// mediumFillers may stand between the article and a generic medium that is
// dropped: "a short 10 second video of" says nothing the reply needs.
var mediumFillers = words("short quick little small simple new nice cool brief random second seconds sec secs s " +
	"vertical horizontal square wide widescreen hd petite petit courte court kurzes kurzen kleines corto corta breve " +
	"pequeño pequeña nouvelle nuevo")

// mediumConnectors join a generic medium to its subject.
var mediumConnectors = words("of about on showing featuring depicting de du des sur sobre von über ueber di del " +
	"della dello su do da")

// functionWords never end a subject or a title ("… in the snow at").
var functionWords = words("a an the of in on at to for with and or but into from by as like about over under near " +
	"is are de la le les un une des du en et el los las y o con por para der die das und mit von im il e di da per " +
	"su uma um am was were be where which who when while")

// vagueWords say nothing a title could name a chat after ("this", "a
// video", "it").
var vagueWords = union(determiners, definite, genericMedia, words("it them something anything one"))

// englishMarkers are common English words: a subject holding one is
// English even when no English opener was dropped.
var englishMarkers = words("the of and with my this that our is are for at on your mine")

// youFor turns the user's first person around for a reply.
var youFor = map[string]string{
	"my": "your", "mine": "yours", "me": "you", "myself": "yourself", "our": "your", "ours": "yours", "us": "you",
	"ourselves": "yourselves", "i": "you", "i'm": "you're", "i've": "you've", "i'll": "you'll", "i'd": "you'd",
	"we": "you", "we're": "you're", "we've": "you've",
}

// youForPair fixes the verb after "I": "me where I am flying" → "you where
// you are flying".
var youForPair = map[[2]string][2]string{{"i", "am"}: {"you", "are"}, {"i", "was"}: {"you", "were"}}

// genericFileWords name no subject in a file name ("IMG_2041.jpg",
// "Screenshot at 10.00").
var genericFileWords = union(genericMedia, words("dsc dscn dscf dcim pxl mvimg screenshot screen shot capture "+
	"untitled file upload uploaded download unnamed scan whatsapp signal telegram rec recording edited edit copy "+
	"final export new insert gen original frame snapshot camera cam wa fb ig im"))

// phraseSet indexes "|"-separated entries by their first word, longest
// entry first, so the longest opening is the one dropped.
func phraseSet(lists ...string) map[string][][]string {
	m := map[string][][]string{}
	for _, list := range lists {
		for e := range strings.SplitSeq(list, "|") {
			ws := strings.Fields(e)
			if len(ws) == 0 {
				continue
			}
			m[ws[0]] = append(m[ws[0]], ws)
		}
	}
	for _, es := range m {
		for i := 1; i < len(es); i++ {
			for j := i; j > 0 && len(es[j]) > len(es[j-1]); j-- {
				es[j], es[j-1] = es[j-1], es[j]
			}
		}
	}
	return m
}

func union(sets ...map[string]bool) map[string]bool {
	m := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			m[k] = true
		}
	}
	return m
}
