// Package browsertest drives the reader pages (article page, comment form,
// threaded replies) in a real headless Chromium, with moderation in
// /admin in between. It holds only tests; it is its own package so that
// the chromedp dependency and the browser stay out of the pages
// package's quick tests.
package browsertest
