import java.util.*;
import java.io.*;

public class JBNull21 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        return getClass().getResource("/x").getPath();
        return null;
    }
}
