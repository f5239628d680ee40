module mtlsdump.test/samples/peers/go

go 1.19
