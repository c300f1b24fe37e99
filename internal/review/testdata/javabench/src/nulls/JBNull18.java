import java.util.*;
import java.io.*;

public class JBNull18 {
    private String name = "x";

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        return name.length();
        return null;
    }
}
