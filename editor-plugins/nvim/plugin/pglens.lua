-- Plans have their own filetype even before setup() runs: every *.explain file, and the
-- *.plan files that read like an EXPLAIN plan (the name is Terraform's too).
vim.cmd([[autocmd BufRead,BufNewFile *.explain setfiletype pgexplain]])
vim.cmd([[autocmd BufRead *.plan lua if require('pglens').looks_like_plan(0) then vim.cmd('setfiletype pgexplain') end]])
