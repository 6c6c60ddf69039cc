;;; pglens.el --- pglens language server for sql-mode via eglot  -*- lexical-binding: t; -*-

;; Registers `pglens lsp' with eglot (built into Emacs 29, a package before) for sql-mode
;; buffers and for EXPLAIN plans (*.explain, *.plan) in `pglens-explain-mode'.

;;; Code:

(require 'eglot)

(defgroup pglens nil
  "pglens: finds the bottleneck in PostgreSQL queries."
  :group 'tools)

(defcustom pglens-program "pglens"
  "The pglens binary, started as `pglens lsp'."
  :type 'string)

(defcustom pglens-settings '(:pglens (:databaseUrl "" :configPath ""))
  "Settings for the server: initializationOptions and workspace configuration.
Keys under :pglens are :databaseUrl, :configPath and :debounceMs."
  :type 'sexp)

(define-derived-mode pglens-explain-mode text-mode "pgexplain"
  "Major mode for PostgreSQL EXPLAIN plans, diagnosed by pglens.")

(add-to-list 'auto-mode-alist '("\\.\\(explain\\|plan\\)\\'" . pglens-explain-mode))

(defun pglens--contact (_interactive)
  "How eglot starts pglens, with the settings as initializationOptions."
  (list pglens-program "lsp" :initializationOptions pglens-settings))

(add-to-list 'eglot-server-programs
             '(((sql-mode :language-id "sql") (pglens-explain-mode :language-id "pgexplain"))
               . pglens--contact))

;; eglot sends this with workspace/didChangeConfiguration after it connects.
(add-hook 'sql-mode-hook (lambda () (setq-local eglot-workspace-configuration pglens-settings)))
(add-hook 'pglens-explain-mode-hook (lambda () (setq-local eglot-workspace-configuration pglens-settings)))

(provide 'pglens)
;;; pglens.el ends here
