;;; emacs_eglot.el --- Emacs as an LSP client of pglens, in CI  -*- lexical-binding: t; -*-
;; Loads editor-plugins/emacs/pglens.el into a batch Emacs, opens each file named in
;; PGLENS_FILES with the mode the plugin gives it, connects eglot to `pglens lsp' and prints
;; the diagnostics flymake receives as "FILE:LINE: [rule]". Exits 1 when a file gets none.
(package-initialize)
(add-to-list 'load-path (getenv "PGLENS_EMACS_DIR"))
(require 'pglens)
(setq pglens-program (getenv "PGLENS_BIN"))
(setq eglot-sync-connect t)
(require 'cl-lib)
(require 'seq)

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

(defun pglens-test--actions-at (line)
  "The code actions pglens offers at the first finding of LINE of this buffer."
  (let* ((d (seq-find (lambda (d) (= (line-number-at-pos (flymake-diagnostic-beg d)) line)) (flymake-diagnostics)))
         (pos (eglot--pos-to-lsp-position (flymake-diagnostic-beg d))))
    (append (jsonrpc-request (eglot--current-server-or-lose) :textDocument/codeAction
                             (list :textDocument (eglot--TextDocumentIdentifier)
                                   :range (list :start pos :end pos)
                                   :context (list :diagnostics [])))
            nil)))

(defun pglens-test--wait (predicate)
  "Waits up to 30 s for PREDICATE, asking flymake for the server's latest findings."
  (let ((deadline (+ (float-time) 30)))
    (while (and (< (float-time) deadline) (not (funcall predicate)))
      (accept-process-output nil 0.2)
      (flymake-start nil t))
    (funcall predicate)))

(let ((ok t))
  (dolist (file (split-string (getenv "PGLENS_FILES") ":" t))
    (let ((lines (pglens-test--diagnostics file)))
      (unless lines (setq ok nil) (princ (format "%s: no diagnostics\n" file)))
      (dolist (l (sort lines #'string<)) (princ (concat l "\n")))))
  ;; "Ignore" on a statement that shares its line, the line ending in a `--` comment: the
  ;; comment goes on a line of its own, never at the end of that line.
  (let ((sql (getenv "PGLENS_IGNORE_IN")))
    (when sql
      (with-current-buffer (find-file-noselect sql)
        (let* ((line (string-to-number (getenv "PGLENS_IGNORE_LINE")))
               (action (seq-find (lambda (a) (string-prefix-p "Ignore" (plist-get a :title)))
                                 (pglens-test--actions-at line)))
               (before (length (flymake-diagnostics))))
          (if (not action)
              (progn (setq ok nil) (princ "no ignore action\n"))
            (eglot--apply-workspace-edit (plist-get action :edit))
            ;; eglot sends the change on an idle timer, which batch Emacs never runs.
            (eglot--signal-textDocument/didChange)
            (pglens-test--wait (lambda () (< (length (flymake-diagnostics)) before)))
            (princ (format "after %s: %d -> %d diagnostics\n" (plist-get action :title) before
                           (length (flymake-diagnostics))))
            (dolist (l (split-string (buffer-string) "\n" t)) (princ (format "buffer %s\n" l))))))))
  ;; A plan's actions never edit the plan: no ignore comment, no DDL pasted at its top.
  (let ((plan (getenv "PGLENS_PLAN")))
    (when plan
      (with-current-buffer (find-file-noselect plan)
        (let ((titles nil))
          (dolist (d (flymake-diagnostics))
            (dolist (a (pglens-test--actions-at (line-number-at-pos (flymake-diagnostic-beg d))))
              (push (plist-get a :title) titles)
              (let ((changes (plist-get (plist-get a :edit) :changes)))
                (cl-loop for (uri _edits) on changes by #'cddr
                         when (equal (eglot--uri-to-path (substring (symbol-name uri) 1)) (expand-file-name plan))
                         do (setq ok nil) (princ (format "plan action edits the plan: %s\n" (plist-get a :title)))))))
          (dolist (title (sort (delete-dups titles) #'string<)) (princ (format "plan action %s\n" title)))))))
  ;; eglot 1.9's workspace configuration reaches the server: a cap of one finding, sent by
  ;; `pglens-reconfigure', leaves one finding and the note counting the rest.
  (let ((sql (getenv "PGLENS_IGNORE_IN")))
    (when sql
      (with-current-buffer (find-file-noselect sql)
        (setq pglens-settings '(:pglens (:maxDiagnostics 1)))
        (pglens-reconfigure)
        (if (pglens-test--wait
             (lambda () (seq-some (lambda (d) (string-match-p "more findings" (flymake-diagnostic-text d)))
                                  (flymake-diagnostics))))
            (princ (format "reconfigured: %d diagnostics, one counting the rest\n" (length (flymake-diagnostics))))
          (setq ok nil)
          (princ "the workspace configuration did not reach the server\n")))))
  ;; A `*.plan' file that is no EXPLAIN plan (Terraform's) keeps the mode Emacs gives it.
  (let ((other (getenv "PGLENS_NOT_PLAN")))
    (when other
      (with-current-buffer (find-file-noselect other)
        (princ (format "not a plan: %s\n" major-mode)))))
  ;; The server's pglens/databaseStatus reached pglens.el: no database in this workspace.
  (princ (format "status %s\n" (pglens-status-string)))
  (kill-emacs (if ok 0 1)))
