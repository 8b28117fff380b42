package cfb

// sysCopyFileRange is copy_file_range(2)'s number on linux/amd64.
const sysCopyFileRange = 326
