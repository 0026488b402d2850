package content

import (
	"embed"
	"io/fs"
)

// mailFiles are the mail templates: one file of phrases per language
// (<lang>.tmpl) and one layout per format (layout.txt, layout.html).
//
//go:embed mail/*.tmpl mail/layout.txt mail/layout.html
var mailFiles embed.FS

// MailTemplates is the shipped mail/ directory, read by internal/mail.
func MailTemplates() fs.FS {
	sub, err := fs.Sub(mailFiles, "mail")
	if err != nil {
		panic(err) // embedded at build time
	}
	return sub
}
