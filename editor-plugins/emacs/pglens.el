;;; pglens.el --- pglens language server for sql-mode via eglot  -*- lexical-binding: t; -*-

;; Registers `pglens lsp' with eglot for sql-mode buffers and for EXPLAIN plans (*.explain,
;; and *.plan files that read like a plan) in `pglens-explain-mode'. Emacs 28 with the eglot 1.9 package (Debian 12's
;; elpa-eglot), or Emacs 29+ where eglot is built in.

;;; Code:

(require 'eglot)
(require 'seq)
(require 'cl-lib)

(defgroup pglens nil
  "pglens: finds the bottleneck in PostgreSQL queries."
  :group 'tools)

(defcustom pglens-program "pglens"
  "The pglens binary, started as `pglens lsp'."
  :type 'string)

(defcustom pglens-settings '(:pglens (:databaseUrl "" :configPath ""))
  "Settings for the server: initializationOptions and workspace configuration.
Keys under :pglens are :databaseUrl, :configPath, :debounceMs, :maxDiagnostics and
:planQueryPairing.
After changing them in a session, \\[pglens-reconfigure] sends them to the server."
  :type 'sexp)

(define-derived-mode pglens-explain-mode text-mode "pgexplain"
  "Major mode for PostgreSQL EXPLAIN plans, diagnosed by pglens.")

(defun pglens-looks-like-plan-p ()
  "Whether the current buffer reads like an EXPLAIN plan in its first 40 lines.
A plan node with its costs or actual times, psql's QUERY PLAN header, a JSON, YAML or XML
plan, its timing lines, or a `pglens-query:' header. `*.plan' is also Terraform's name and
others': only a buffer that reads like a plan is one."
  (save-excursion
    (goto-char (point-min))
    (let ((limit (save-excursion (forward-line 40) (point))))
      (re-search-forward
       (concat "pglens-query:\\|(cost=[0-9]\\|(actual time=[0-9]\\|^[ \t]*QUERY PLAN[ \t]*$"
               "\\|\"Plan\"[ \t]*:\\|^[ \t]*-? ?Plan:[ \t]*$\\|<explain"
               "\\|^[ \t]*Planning [Tt]ime:\\|^[ \t]*Execution [Tt]ime:")
       limit t))))

(defun pglens-plan-file-mode ()
  "`pglens-explain-mode' for a `*.plan' file that reads like an EXPLAIN plan.
Any other `*.plan' file gets the mode Emacs would give it without pglens."
  (interactive)
  (if (pglens-looks-like-plan-p)
      (pglens-explain-mode)
    (let ((auto-mode-alist (rassq-delete-all #'pglens-plan-file-mode (copy-sequence auto-mode-alist))))
      (set-auto-mode))))

(add-to-list 'auto-mode-alist '("\\.explain\\'" . pglens-explain-mode))
(add-to-list 'auto-mode-alist '("\\.plan\\'" . pglens-plan-file-mode))

(defun pglens--contact (_interactive)
  "How eglot starts pglens, with the settings as initializationOptions."
  (list pglens-program "lsp" :initializationOptions pglens-settings))

(add-to-list 'eglot-server-programs
             '(((sql-mode :language-id "sql") (pglens-explain-mode :language-id "pgexplain"))
               . pglens--contact))

;; The settings go as initializationOptions (above) and as the workspace configuration, which
;; eglot sends in workspace/didChangeConfiguration after it connects and on
;; `M-x eglot-signal-didChangeConfiguration'. eglot 1.9 reads that variable in a buffer of
;; its own (not the sql-mode buffer), so a buffer-local value set by a mode hook is never
;; seen: the default value is a function that answers `pglens-settings' for pglens's
;; servers and what was configured before for any other server.
(defun pglens--server-p (server)
  "Whether SERVER is a pglens server (it manages sql-mode or `pglens-explain-mode')."
  (and server (seq-some (lambda (mode) (memq mode '(sql-mode pglens-explain-mode))) (eglot--major-modes server))))

(defvar pglens--other-workspace-configuration (default-value 'eglot-workspace-configuration)
  "The default `eglot-workspace-configuration' before pglens.el was loaded.")

(defun pglens--workspace-configuration (server)
  "`pglens-settings' for a pglens SERVER, the previous default for others."
  (if (pglens--server-p server)
      pglens-settings
    (if (functionp pglens--other-workspace-configuration)
        (funcall pglens--other-workspace-configuration server)
      pglens--other-workspace-configuration)))

(unless (eq (default-value 'eglot-workspace-configuration) #'pglens--workspace-configuration)
  (setq-default eglot-workspace-configuration #'pglens--workspace-configuration))

(defun pglens-reconfigure ()
  "Send `pglens-settings' to the running pglens server (after changing them)."
  (interactive)
  (let ((server (eglot-current-server)))
    (if (pglens--server-p server)
        (eglot-signal-didChangeConfiguration server)
      (user-error "No pglens server for this buffer"))))

;; The server's `pglens/databaseStatus' notification: where each configuration's schema comes
;; from (no database, not trusted, connecting, connected, unreachable).
(defvar pglens-database-status nil
  "The last `pglens/databaseStatus' report: a plist with :config :state :source :message,
and :tables or :retryInSeconds. `pglens-status-string' renders it for the mode line.")

(cl-defmethod eglot-handle-notification
  (_server (_method (eql pglens/databaseStatus)) &rest params &key &allow-other-keys)
  "Keep the database state the server reports, and show it in mode lines."
  (setq pglens-database-status params)
  (force-mode-line-update t))

(defun pglens-status-string ()
  "The database state, e.g. \"pglens: connected (12 tables)\"; empty before any report.
For the mode line: (add-to-list \='mode-line-misc-info \='(:eval (pglens-status-string)))."
  (let ((state (plist-get pglens-database-status :state)))
    (cond ((null state) "")
          ((equal state "connected")
           (format "pglens: connected (%s tables)" (or (plist-get pglens-database-status :tables) 0)))
          (t (format "pglens: %s"
                     (pcase state
                       ("none" "no database")
                       ("untrusted" "database not trusted")
                       ("unreachable" "database unreachable")
                       (_ state)))))))

(defun pglens-status ()
  "Tell where the schema comes from, as the server last reported it."
  (interactive)
  (message "%s" (if pglens-database-status
                    (format "%s: %s" (pglens-status-string) (plist-get pglens-database-status :message))
                  "pglens: no report from the server yet")))

(provide 'pglens)
;;; pglens.el ends here
