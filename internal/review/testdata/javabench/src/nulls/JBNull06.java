import java.util.*;
import java.io.*;

public class JBNull06 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String h = System.getenv("HOME"); return h == null ? 0 : h.length();
        return null;
    }
}
