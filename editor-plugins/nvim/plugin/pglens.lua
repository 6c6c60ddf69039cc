-- Plans have their own filetype even before setup() runs.
vim.cmd([[autocmd BufRead,BufNewFile *.explain,*.plan setfiletype pgexplain]])
