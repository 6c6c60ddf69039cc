;;; emacs_eglot.el --- Emacs as an LSP client of pglens, in CI  -*- lexical-binding: t; -*-
;; Loads editor-plugins/emacs/pglens.el into a batch Emacs, opens each file named in
;; PGLENS_FILES with the mode the plugin gives it, connects eglot to `pglens lsp' and prints
;; the diagnostics flymake receives as "FILE:LINE: [rule]". Exits 1 when a file gets none.
(package-initialize)
(add-to-list 'load-path (getenv "PGLENS_EMACS_DIR"))
(require 'pglens)
(setq pglens-program (getenv "PGLENS_BIN"))
(setq eglot-sync-connect t)

(defun pglens-test--diagnostics (file)
  (find-file file)
  (unless (derived-mode-p 'pglens-explain-mode) (sql-mode))
  ;; The first file starts the server; later ones join it as find-file would in a session.
  (if (eglot-current-server) (eglot--maybe-activate-editing-mode) (apply #'eglot (eglot--guess-contact)))
  ;; Batch Emacs displays no window, where flymake would start its deferred check.
  (flymake-start nil t)
  (let ((deadline (+ (float-time) 30)))
    (while (and (< (float-time) deadline) (null (flymake-diagnostics)))
      (accept-process-output nil 0.1)))
  (mapcar (lambda (d)
            (format "%s:%d: %s" (file-name-nondirectory file) (line-number-at-pos (flymake-diagnostic-beg d))
                    (if (string-match "\\[[a-z-]+\\]" (flymake-diagnostic-text d))
                        (match-string 0 (flymake-diagnostic-text d))
                      (flymake-diagnostic-text d))))
          (flymake-diagnostics)))

(let ((ok t))
  (dolist (file (split-string (getenv "PGLENS_FILES") ":" t))
    (let ((lines (pglens-test--diagnostics file)))
      (unless lines (setq ok nil) (princ (format "%s: no diagnostics\n" file)))
      (dolist (l (sort lines #'string<)) (princ (concat l "\n")))))
  (kill-emacs (if ok 0 1)))
